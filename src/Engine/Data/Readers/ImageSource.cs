namespace NanoVlm.Engine.Data;

/// <summary>
/// Where a sample's image is, without holding its bytes: a file, a cell of a parquet shard, or bytes a
/// generator made. Readers only check cheaply that the image exists; the bytes are read when the image is
/// used (training, evaluation, <c>dataset inspect --verify-images</c>), and must then go through
/// <see cref="Vision.SafeImageDecoder"/> because data-set files are untrusted input.
/// </summary>
public abstract class ImageSource
{
    /// <summary>Where the image is, for messages: a path, or a shard, row and image index.</summary>
    public abstract string Description { get; }

    /// <summary>
    /// The encoded image file (PNG, JPEG, ...). Throws <see cref="ImageUnavailableException"/> when the
    /// bytes cannot be read (file deleted since, permission denied, shard unreadable).
    /// </summary>
    public abstract byte[] ReadBytes();

    public override string ToString() => Description;
}
