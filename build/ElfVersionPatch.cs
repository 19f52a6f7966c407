// MSBuild task (compiled by RoslynCodeTaskFactory from Directory.Build.targets).
//
// TorchSharp-cpu 0.107.0 ships libLibTorchSharp.so built against GCC 13: its .gnu.version_r section
// requires GLIBCXX_3.4.32, which Debian 12's libstdc++ (3.4.30) lacks, so the loader refuses the file
// and TorchSharp reports a misleading NotSupportedException. The only symbol bound to that version is
// std::ios_base_library_init(), which nothing calls. Marking the version requirement weak
// (VER_FLG_WEAK on its Vernaux entry) lets the dynamic loader accept the library.
//
// Rules this task keeps:
// - only output copies are patched, never the NuGet cache: outputs may be hard links into the cache,
//   so the patched bytes go to a new file that is then moved over the old name;
// - idempotent: an entry already marked weak is left alone;
// - a no-op where the system libstdc++ already provides the version (the library loads as shipped).
using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class MarkElfVersionWeak : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    [Required]
    public string VersionName { get; set; } = "";

    public override bool Execute()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
        {
            return true;
        }
        if (SystemLibStdCxxProvides(VersionName))
        {
            Log.LogMessage(MessageImportance.Low, $"System libstdc++ provides {VersionName}; nothing to patch.");
            return true;
        }
        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            if (!File.Exists(path))
            {
                continue;
            }
            try
            {
                PatchFile(path);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                Log.LogError($"Could not mark {VersionName} weak in {path}: {e.Message}");
                return false;
            }
        }
        return !Log.HasLoggedErrors;
    }

    private void PatchFile(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var offset = FindVernauxFlagsOffset(bytes, VersionName);
        if (offset < 0)
        {
            Log.LogMessage(MessageImportance.Low, $"{path} does not require {VersionName}.");
            return;
        }
        var flags = BitConverter.ToUInt16(bytes, offset);
        if ((flags & VerFlagWeak) != 0)
        {
            Log.LogMessage(MessageImportance.Low, $"{path}: {VersionName} already weak.");
            return;
        }
        BitConverter.GetBytes((ushort)(flags | VerFlagWeak)).CopyTo(bytes, offset);
        var temp = path + ".patching";
        File.WriteAllBytes(temp, bytes);
        // Replace renames over the directory entry, so a hard link into the NuGet cache is detached, not edited.
        File.Replace(temp, path, null);
        Log.LogMessage(MessageImportance.High, $"Marked {VersionName} weak in {path} (Debian 12 libstdc++ compatibility).");
    }

    /// <summary>Offset of vna_flags of the Vernaux entry named <paramref name="name"/>, or -1.</summary>
    private static int FindVernauxFlagsOffset(byte[] elf, string name)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException("not an ELF file");
        }
        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("only 64-bit little-endian ELF files are supported");
        }
        var sectionHeaders = checked((int)BitConverter.ToUInt64(elf, 0x28));
        var sectionHeaderSize = BitConverter.ToUInt16(elf, 0x3A);
        var sectionCount = BitConverter.ToUInt16(elf, 0x3C);
        for (var i = 0; i < sectionCount; i++)
        {
            var header = sectionHeaders + i * sectionHeaderSize;
            if (BitConverter.ToUInt32(elf, header + 4) != ShtGnuVerneed)
            {
                continue;
            }
            var sectionOffset = checked((int)BitConverter.ToUInt64(elf, header + 0x18));
            var linkedStrings = BitConverter.ToUInt32(elf, header + 0x28);
            var entryCount = BitConverter.ToUInt32(elf, header + 0x2C); // sh_info = number of Verneed entries
            var stringTable = checked((int)BitConverter.ToUInt64(elf, sectionHeaders + (int)linkedStrings * sectionHeaderSize + 0x18));

            var verneed = sectionOffset;
            for (var n = 0; n < entryCount; n++)
            {
                var auxCount = BitConverter.ToUInt16(elf, verneed + 2);
                var vernaux = verneed + (int)BitConverter.ToUInt32(elf, verneed + 8);
                for (var a = 0; a < auxCount; a++)
                {
                    var nameOffset = stringTable + (int)BitConverter.ToUInt32(elf, vernaux + 8);
                    if (ReadCString(elf, nameOffset) == name)
                    {
                        return vernaux + 4; // vna_hash(4) precedes vna_flags(2)
                    }
                    vernaux += (int)BitConverter.ToUInt32(elf, vernaux + 12);
                }
                var next = BitConverter.ToUInt32(elf, verneed + 12);
                if (next == 0)
                {
                    break;
                }
                verneed += (int)next;
            }
        }
        return -1;
    }

    private static string ReadCString(byte[] bytes, int offset)
    {
        var end = Array.IndexOf(bytes, (byte)0, offset);
        return Encoding.ASCII.GetString(bytes, offset, (end < 0 ? bytes.Length : end) - offset);
    }

    private static bool SystemLibStdCxxProvides(string version)
    {
        // The task factory compiles against netstandard2.0: no spans, no collection expressions.
        var candidates = new[]
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6",
            "/usr/lib/libstdc++.so.6",
            "/lib64/libstdc++.so.6",
        };
        var needle = Encoding.ASCII.GetBytes(version + "\0");
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return Contains(File.ReadAllBytes(candidate), needle);
            }
        }
        return false;
    }

    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }
            if (j == needle.Length)
            {
                return true;
            }
        }
        return false;
    }
}
