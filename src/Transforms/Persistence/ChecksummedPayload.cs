using System.Text;

namespace MLNet.Extensions.Transforms.Persistence;

/// <summary>
/// The body of each of our model entries since the checksummed format versions: int32 byte count, the payload (every field
/// the component saves), then the CRC-32 of the payload and of any <c>context</c> bytes stored elsewhere in the entry
/// (column names ML.NET saves for us). <see cref="Read"/> verifies the count against the bytes the entry holds and the
/// checksum before anything is parsed, so damage anywhere in the payload is an error instead of a silently different model.
/// </summary>
internal static class ChecksummedPayload
{
    private const int ChunkSize = 1 << 20;

    /// <summary>Writes the payload <paramref name="write"/> produces, framed by its length and checksum.</summary>
    public static void Write(BinaryWriter writer, Action<BinaryWriter> write, ReadOnlySpan<byte> context = default)
    {
        using var memory = new MemoryStream();
        using (var payload = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true))
            write(payload);
        ReadOnlySpan<byte> bytes = memory.GetBuffer().AsSpan(0, checked((int)memory.Length));
        writer.Write(bytes.Length);
        writer.Write(bytes);
        writer.Write(Crc32.Append(Crc32.Compute(bytes), context));
    }

    /// <summary>
    /// Reads and verifies a payload written by <see cref="Write"/>; returns a reader over it. <paramref name="entry"/> names
    /// the component in the <see cref="InvalidDataException"/> thrown when the file is damaged.
    /// </summary>
    public static BinaryReader Read(BinaryReader reader, string entry, ReadOnlySpan<byte> context = default)
    {
        int length = reader.ReadInt32();
        Stream stream = reader.BaseStream;
        long left = stream.CanSeek ? stream.Length - stream.Position : long.MaxValue;
        if (length < 0 || length > left - sizeof(uint))
            throw new InvalidDataException(
                $"{entry}: the entry claims {length:N0} bytes of model data but holds {(stream.CanSeek ? $"only {Math.Max(0, left):N0}" : "fewer")}; the model file is damaged.");
        byte[] payload = ReadExactly(stream, length, entry);
        uint stored = reader.ReadUInt32();
        uint actual = Crc32.Append(Crc32.Compute(payload), context);
        if (stored != actual)
            throw new InvalidDataException(
                $"{entry}: checksum mismatch (stored {stored:X8}, computed {actual:X8}); the model file is damaged.");
        return new BinaryReader(new MemoryStream(payload, writable: false), Encoding.UTF8);
    }

    /// <summary>Throws when a verified payload has bytes its reader did not consume (a format mismatch, not damage).</summary>
    public static void CheckFullyRead(BinaryReader payload, string entry)
    {
        long left = payload.BaseStream.Length - payload.BaseStream.Position;
        if (left != 0)
            throw new InvalidDataException($"{entry}: {left:N0} bytes of model data were not read; the file was written by a different format.");
    }

    /// <summary>The bytes of column names that ML.NET stores outside our payload, so the checksum covers them too.</summary>
    public static byte[] ColumnContext(IEnumerable<(string Output, string Input)> columns)
    {
        var text = new StringBuilder();
        foreach (var (output, input) in columns)
            text.Append(output).Append('\0').Append(input).Append('\0');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    // Reads in chunks when the stream cannot say how long it is, so a damaged count allocates only the bytes really there.
    private static byte[] ReadExactly(Stream stream, int length, string entry)
    {
        if (stream.CanSeek || length <= ChunkSize)
        {
            var bytes = new byte[length];
            int read = stream.ReadAtLeast(bytes, length, throwOnEndOfStream: false);
            if (read != length)
                throw new InvalidDataException($"{entry}: the model data ends after {read:N0} of {length:N0} bytes; the model file is damaged.");
            return bytes;
        }
        using var memory = new MemoryStream();
        var chunk = new byte[ChunkSize];
        while (memory.Length < length)
        {
            int want = (int)Math.Min(chunk.Length, length - memory.Length);
            int read = stream.ReadAtLeast(chunk.AsSpan(0, want), want, throwOnEndOfStream: false);
            memory.Write(chunk, 0, read);
            if (read < want)
                throw new InvalidDataException($"{entry}: the model data ends after {memory.Length:N0} of {length:N0} bytes; the model file is damaged.");
        }
        return memory.ToArray();
    }
}
