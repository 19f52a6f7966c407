using System.Text;
using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Tests.Model;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Tests.Checkpoints;

public sealed class SafeTensorsTests
{
    [Fact]
    public void RoundTripsEverySupportedDtypeBitForBit()
    {
        using var temp = new TempDirectory();
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["f32"] = randn(3, 4),
            ["bf16"] = randn(5).to(ScalarType.BFloat16),
            ["f16"] = randn(2, 2).to(ScalarType.Float16),
            ["i64"] = tensor(new long[] { -100, 0, 49217 }),
            ["scalar"] = tensor(5.75f),
            ["empty"] = zeros(0, 3),
            ["strided"] = randn(4, 3).t(), // non-contiguous: written in logical order
        };
        var path = temp.File("t.safetensors");

        SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var back = SafeTensors.Load(path);

        Assert.Equal(tensors.Keys.Order(), back.Keys.Order());
        foreach (var (name, original) in tensors)
        {
            Assert.Equal(original.dtype, back[name].dtype);
            TensorAssert.Same(original, back[name]);
        }
        Assert.Equal("pt", SafeTensors.ReadHeader(path).Metadata["format"]);
        Assert.Empty(Directory.GetFiles(temp.Path, "*.partial-*"));
    }

    [Fact]
    public void TruncatedFileNamesTheTensorThatDoesNotFit()
    {
        using var temp = new TempDirectory();
        using var scope = NewDisposeScope();
        var path = temp.File("t.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["weight"] = randn(64, 64) });
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains("'weight'", error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsGarbageAndUnsupportedDtypes()
    {
        using var temp = new TempDirectory();
        var garbage = temp.File("garbage.safetensors");
        File.WriteAllBytes(garbage, Encoding.ASCII.GetBytes("definitely not a safetensors file"));
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load(garbage));

        var header = Encoding.UTF8.GetBytes("{\"x\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}");
        var file = temp.File("c64.safetensors");
        File.WriteAllBytes(file, [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. new byte[8]]);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(file));
        Assert.Contains("unsupported dtype C64", error.Message, StringComparison.Ordinal);
    }

    [ReferenceCaseFact]
    public void ReadsTheReferenceFiles()
    {
        using var scope = NewDisposeScope();
        var inputs = SafeTensors.Load(Path.Combine(ReferenceCases.PathOf("basic-tied"), "input.safetensors"));
        Assert.Equal(ScalarType.Int64, inputs["input_ids"].dtype);
        Assert.Equal(ScalarType.Float32, inputs["pixel_values"].dtype);
        Assert.Equal(inputs["input_ids"].shape, inputs["attention_mask"].shape);
    }
}
