using Microsoft.Extensions.Options;

namespace NanoVlm.Server.Storage;

/// <summary>
/// The data folder, created and locked on start. The lock is held for the life of the process so that
/// a second server on the same folder fails clearly instead of corrupting the LiteDB file.
/// </summary>
public sealed class DataDirectory : IDisposable
{
    public const string LockFileName = ".nanovlm.lock";

    private FileStream? _lock;

    public DataDirectory(IOptions<StorageOptions> options)
    {
        Root = options.Value.ResolvedDataDir;
    }

    public string Root { get; }

    public bool IsLocked => _lock is not null;

    /// <summary>Creates the folder if needed and takes the exclusive lock; throws with a clear message otherwise.</summary>
    public void Acquire()
    {
        if (_lock is not null)
        {
            return;
        }
        try
        {
            Directory.CreateDirectory(Root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"The data folder '{Root}' cannot be created ({e.Message}). Set Storage:DataDir to a folder this user can write to.", e);
        }
        var lockPath = Path.Combine(Root, LockFileName);
        try
        {
            _lock = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            _lock.SetLength(0);
            using var writer = new StreamWriter(_lock, leaveOpen: true);
            writer.Write(Environment.ProcessId);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException(
                $"Another NanoVlm server is already using the data folder '{Root}'. Stop it, or start this one with --Storage:DataDir=OTHER_FOLDER.", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InvalidOperationException(
                $"The data folder '{Root}' is not writable ({e.Message}). Set Storage:DataDir to a folder this user can write to.", e);
        }
    }

    public void Dispose()
    {
        _lock?.Dispose();
        _lock = null;
    }
}
