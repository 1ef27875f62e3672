/**
 * What more than one function is deployed with, named once: lib/ sets it, the functions read it. A contract
 * module: names only, so that synth, which imports it, loads no handler code.
 */

/** The variable that names a function's state machine, in every function that has one. */
export const STATE_MACHINE_ARN_VARIABLE = "STATE_MACHINE_ARN";
