/// Fault plans and the fault-injecting store (issue 5 fills this module).
