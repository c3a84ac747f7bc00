/** A stand-in for the worker client in store tests: records what the store sends. */
import type { LabClient } from '../worker/client';
import type { Command } from '../worker/protocol';
import { useLab } from './labStore';

export function fakeClient(): { sent: Command[]; transfers: Transferable[][] } {
  const sent: Command[] = [];
  const transfers: Transferable[][] = [];
  const client = {
    send: (cmd: Command, transfer: Transferable[] = []) => {
      sent.push(cmd);
      transfers.push(transfer);
    },
  };
  useLab.setState({ client: client as unknown as LabClient });
  return { sent, transfers };
}
