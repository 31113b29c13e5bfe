using System;
using OwnKernel;

// A toy kernel with its own address space serves a scripted user program; see README.md.
new ScriptedUserProgram(Console.Out).Run();
