/**
 * The process exit codes of every pnnc command, in one place so scripts and docs agree.
 * In: nothing. Out: constants: 0 ok, 1 a failed check or run, 2 a usage error, 70 an internal bug,
 * 74 stdout or stderr could not be written.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** sysexits' EX_SOFTWARE: a bug in pnnc, never a user error. */
export const EXIT_INTERNAL = 70;
/** sysexits' EX_IOERR: stdout or stderr failed (full disk, closed pipe), so the output is incomplete. */
export const EXIT_IOERR = 74;
