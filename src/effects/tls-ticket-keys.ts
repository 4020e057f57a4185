import { randomBytes } from 'node:crypto';

/**
 * New session ticket keys for the workers of one configuration (Node's 48 bytes), as base64.
 *
 * Why the arbiter makes them: a worker with keys of its own cannot read another worker's session
 * tickets, so a client whose next connection lands elsewhere pays a full handshake (node:cluster
 * shares its first worker's keys too). New ones at every start and HUP retire the old keys.
 *
 * @example
 * worker.tlsTicketKeys = newTicketKeys(); // 'q3V…' (64 characters)
 */
export const newTicketKeys = (): string => randomBytes(48).toString('base64');
