using System.Runtime.CompilerServices;

// Test seams of the trainer (checkpoint crash simulation) are internal.
[assembly: InternalsVisibleTo("NanoVlm.Engine.Tests")]
