namespace NanoVlm.Engine.Benchmarks;

/// <summary>
/// The largest resident set seen while it runs, sampled every few milliseconds on a background thread: the fallback
/// for a kernel that does not let the process reset its high-water mark (VmHWM).
/// </summary>
internal sealed class PeakMemorySampler : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stopping;
    private long _peak;

    public PeakMemorySampler()
    {
        _peak = ProcessMemory.ResidentBytes();
        _thread = new Thread(Sample) { IsBackground = true, Name = "peak memory sampler" };
        _thread.Start();
    }

    public long PeakBytes => Interlocked.Read(ref _peak);

    private void Sample()
    {
        while (!_stopping)
        {
            var resident = ProcessMemory.ResidentBytes();
            if (resident > Interlocked.Read(ref _peak)) Interlocked.Exchange(ref _peak, resident);
            Thread.Sleep(5);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
    }
}
