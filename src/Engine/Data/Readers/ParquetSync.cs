namespace NanoVlm.Engine.Data;

/// <summary>
/// Parquet.Net's API is asynchronous; the readers are synchronous iterators consumed on the engine's own
/// threads (no synchronization context), where blocking on the file reads is the intended behaviour.
/// </summary>
internal static class ParquetSync
{
    public static T Run<T>(Func<Task<T>> operation) => Task.Run(operation).GetAwaiter().GetResult();
}
