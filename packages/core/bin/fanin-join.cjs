#!/usr/bin/env node
// Installed before the package is built (workspaces link bins at install): load the build.
require('../dist/bin/fanin-join.cjs');
