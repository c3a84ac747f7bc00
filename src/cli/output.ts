/** Where a command writes; the entry point passes the process streams, tests may pass collectors. */
export interface Output {
  stdout(line: string): void;
  stderr(line: string): void;
}
