// Jest raises Error.stackTraceLimit to 100; @pulumi/pulumi records a stack trace for every
// promise it makes (runtime/debuggable.js), so a plan under jest formats ten times the
// frames a plan under node does. Node's own default (10) is enough for a failing test.
Error.stackTraceLimit = 10;
