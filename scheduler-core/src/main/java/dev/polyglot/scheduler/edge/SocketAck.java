package dev.polyglot.scheduler.edge;

/** A socket actor's acknowledgement of one inbound frame: the connection reads the next one only then. */
public enum SocketAck { INSTANCE }
