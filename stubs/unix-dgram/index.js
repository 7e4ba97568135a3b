"use strict";
// janode requires this package at import time for its Unix-socket transport, which Dictate never uses.
// The real package is a native addon that does not load under Bun; this stub keeps the import working
// and fails loudly if anything ever tries to open a Unix datagram socket.
exports.createSocket = function createSocket() {
  throw new Error("unix-dgram is stubbed in Dictate: use janode's WebSocket transport (ws:// URL)");
};
