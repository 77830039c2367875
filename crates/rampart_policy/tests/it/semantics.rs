//! Rule semantics on tiny inline resources.
