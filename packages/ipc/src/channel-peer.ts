import type { ChildProcess } from 'node:child_process';
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { FaninError } from '@fanin/core';
import {
  ackLine,
  ackMessage,
  type ChannelMessage,
  checkChannelBatch,
  greeting,
  isChannelMessage,
} from './channel-messages.js';
import { ignore, type Peer, type PeerIntake, writeNow } from './peer.js';

/** A child process seen from its parent: Node exposes the channel's descriptor as `fd`. */
type ChannelOwner = { channel?: { fd?: number } | null };

/** What the welcome offers: the private socket and its key, when there is one. */
export type Offer = () => { sock?: string; key?: string };

/** A peer on a Node IPC channel (cluster worker, forked child): it answers hellos too. */
interface ChannelPeer extends Peer {
  welcome(): void;
}

function channelPeer(
  send: (m: ChannelMessage) => unknown,
  offer: Offer,
  child: ChannelOwner | undefined,
): ChannelPeer {
  const trySend = (m: ChannelMessage) => {
    try {
      send(m);
    } catch {
      // The peer is gone; it writes its unacknowledged records itself at exit.
    }
  };
  return {
    received: 0,
    welcome: () => trySend({ ...greeting('welcome'), ...offer() }),
    ack: (seq) => trySend(ackMessage(seq)),
    // Only a channel known to carry JSON lines may get a raw line (cluster's default).
    ...(child ? { ackSync: (seq: number) => void writeNow(child.channel?.fd, ackLine(seq)) } : {}),
  };
}

function onChannelMessage(intake: PeerIntake, peer: ChannelPeer, m: ChannelMessage, max: number) {
  if (m.t === 'hello') {
    peer.welcome();
    return;
  }
  if (m.t !== 'batch') return;
  try {
    intake.accept(peer, checkChannelBatch(m as never, max));
  } catch (err) {
    // A channel belongs to the process, not to fanin: refuse the message, keep the channel.
    intake.protocolError(err, 'a channel peer');
  }
}

/** Serves every cluster worker, present and future (in the primary); returns the detach. */
export function serveCluster(intake: PeerIntake, offer: Offer, maxFrameBytes: number): () => void {
  const peers = new Map<ClusterWorker, ChannelPeer>();
  const peerOf = (w: ClusterWorker) => {
    let p = peers.get(w);
    if (!p) {
      const json = cluster.settings.serialization !== 'advanced';
      const peer = channelPeer(
        (m) => w.isConnected() && w.send(m, undefined, undefined, ignore),
        offer,
        json ? (w.process as unknown as ChannelOwner) : undefined,
      );
      intake.add(peer);
      peers.set(w, peer);
      w.once('exit', () => {
        peers.delete(w);
        intake.remove(peer);
      });
      p = peer;
    }
    return p;
  };
  let warned = false;
  const onMessage = (w: ClusterWorker, m: unknown) => {
    if (isChannelMessage(m)) onChannelMessage(intake, peerOf(w), m, maxFrameBytes);
    else if (!warned && (m as { topic?: unknown })?.topic === 'log4js:message') {
      // log4js's own cluster mode sends workers' events here and never calls a worker's
      // appender: those records bypass fanin (and are lost when a worker exits early).
      warned = true;
      intake.report(
        new FaninError(
          'ERR_FANIN_OPTION',
          'fanin ipc: log4js cluster mode is on; set disableClustering: true in log4js.configure so that workers log through @fanin/ipc',
        ),
      );
    }
  };
  cluster.on('message', onMessage);
  // Workers forked before this writer existed said hello to nobody: welcome them now.
  for (const w of Object.values(cluster.workers ?? {})) {
    if (w?.isConnected()) peerOf(w).welcome();
  }
  return () => {
    cluster.off('message', onMessage);
    // Workers still running write for themselves from now on.
    for (const w of Object.values(cluster.workers ?? {})) {
      if (w?.isConnected()) w.send(greeting('bye'), undefined, undefined, ignore);
    }
  };
}

/** Serves one forked child (`via: 'parent'` in the child); returns the detach. */
export function serveChild(
  intake: PeerIntake,
  offer: Offer,
  maxFrameBytes: number,
  child: ChildProcess,
): () => void {
  // A child's serialization is not visible from here: no raw acknowledgement at exit.
  const send = (m: ChannelMessage) =>
    child.connected && child.send(m, undefined, undefined, ignore);
  const peer = channelPeer(send, offer, undefined);
  intake.add(peer);
  const onMessage = (m: unknown) => {
    if (isChannelMessage(m)) onChannelMessage(intake, peer, m, maxFrameBytes);
  };
  child.on('message', onMessage);
  const off = () => {
    child.off('message', onMessage);
    intake.remove(peer);
  };
  child.once('exit', off);
  if (child.connected) peer.welcome();
  return () => {
    off();
    if (child.connected) child.send(greeting('bye'), undefined, undefined, ignore);
  };
}
