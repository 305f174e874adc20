using System.IO.Compression;
using MLNet.Extensions.Transforms.Persistence;

namespace MLNet.Extensions.Trainers.Tests.Trust;

/// <summary>Reads and rewrites model zips entry by entry (re-zipping gives valid CRC-32s), and finds our checksummed payloads.</summary>
public static class ModelZip
{
    /// <summary>The entries of <paramref name="file"/> in order, with their content.</summary>
    public static List<(string Name, byte[] Content)> Entries(byte[] file)
    {
        using var archive = new ZipArchive(new MemoryStream(file), ZipArchiveMode.Read);
        return archive.Entries.Select(e =>
        {
            using Stream s = e.Open();
            using var memory = new MemoryStream();
            s.CopyTo(memory);
            return (e.FullName, memory.ToArray());
        }).ToList();
    }

    /// <summary>A zip of <paramref name="entries"/>, each with its correct CRC-32.</summary>
    public static byte[] Zip(IEnumerable<(string Name, byte[] Content)> entries)
    {
        using var memory = new MemoryStream();
        using (var archive = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                ZipArchiveEntry entry = archive.CreateEntry(name);
                entry.LastWriteTime = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
                using Stream s = entry.Open();
                s.Write(content);
            }
        }
        return memory.ToArray();
    }

    /// <summary>
    /// Where our checksummed payload sits in an entry's content, found as the int32 length whose following bytes pass the
    /// CRC-32 (with no context or with one of <paramref name="contexts"/>); null for entries that are not ours.
    /// </summary>
    public static (int Start, int Length, byte[] Context)? FindPayload(byte[] content, params byte[][] contexts)
    {
        for (int p = 0; p + 8 <= content.Length; p++)
        {
            int length = BitConverter.ToInt32(content, p);
            if (length < 8 || p + 8L + length > content.Length)
                continue;
            uint stored = BitConverter.ToUInt32(content, p + 4 + length);
            uint crc = Crc32.Compute(content.AsSpan(p + 4, length));
            foreach (byte[] context in contexts.Prepend([]))
            {
                if (Crc32.Append(crc, context) == stored)
                    return (p + 4, length, context);
            }
        }
        return null;
    }

    /// <summary>Recomputes the payload's checksum after an edit, as a deliberate (not accidental) change would.</summary>
    public static void Reseal(byte[] content, (int Start, int Length, byte[] Context) payload)
    {
        uint crc = Crc32.Append(Crc32.Compute(content.AsSpan(payload.Start, payload.Length)), payload.Context);
        BitConverter.TryWriteBytes(content.AsSpan(payload.Start + payload.Length, 4), crc);
    }

    /// <summary>The column-name context <see cref="ChecksummedPayload"/> mixes in for a one-to-one transform of one column.</summary>
    public static byte[] Columns(string output, string input) => ChecksummedPayload.ColumnContext([(output, input)]);
}
