using System.Runtime.CompilerServices;

// The reader tests check laziness (which row groups have loaded their image bytes) through internals.
[assembly: InternalsVisibleTo("NanoVlm.Engine.Tests")]
