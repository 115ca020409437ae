/** What a subcommand module receives when it registers itself on the program. */
export interface CliContext {
  /** The process exit code the command wants (the last call wins). */
  setExitCode(code: number): void;
}
