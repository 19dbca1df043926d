import type { FaninError } from '@fanin/core';
import type { Endpoint } from './ship-session.js';
import type { SpoolPos } from './spool-pos.js';

/** How the shipper keeps its session. */
export interface ShipperOptions {
  endpoint: Endpoint;
  /** Unacknowledged frames at most (relp.md "Window Size"). */
  windowSize: number;
  /** Back-off after a failed or lost session: from this, doubling, jittered. */
  reconnectMinMs: number;
  /** …up to this. */
  reconnectMaxMs: number;
  /** Times one record may be refused (`rsp 500`) before it is dropped as `refused`. */
  maxRefusals: number;
  /** Errors: once when an outage starts, once when it ends (with its length and attempts). */
  report(err: FaninError): void;
  /** A refused record was given up (counted by the writer). */
  dropRefused(): void;
  /** The cursor moved (the writer persists it soon). */
  acked(): void;
  /** Called before each pump: the shipper thread learns there what the logging thread committed. */
  refresh?(): void;
  /** Called before frames are written, with the end of the last one (the shipper thread stores it). */
  sending?(to: SpoolPos): void;
  /**
   * Where a previous shipper of the first spool had sent to (it died): frames before it are
   * counted in `resent` when sent again.
   */
  sentTo?: SpoolPos;
  /**
   * Called after a pump (the sessions pump after every read of answers, so after
   * acknowledgements too) and when a session is lost: counters changed.
   */
  changed?(): void;
}

/** The shipper's counters. */
export interface ShipperCounters {
  sent: number;
  acknowledged: number;
  resent: number;
  reconnects: number;
  refused: number;
}
