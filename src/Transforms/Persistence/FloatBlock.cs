using System.Runtime.InteropServices;

namespace MLNet.Extensions.Transforms.Persistence;

/// <summary>
/// Float arrays inside model files: int32 count, the floats, then a 32-bit FNV-1a checksum of their bytes, so a damaged
/// value fails loudly on load instead of silently changing predictions. Every value read must be finite.
/// </summary>
internal static class FloatBlock
{
    /// <summary>Largest block accepted, to refuse absurd counts from a damaged file before allocating.</summary>
    public const int MaxCount = 1 << 28;

    /// <summary>Writes count, values and checksum.</summary>
    public static void Write(BinaryWriter writer, ReadOnlySpan<float> values)
    {
        writer.Write(values.Length);
        ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(values);
        writer.Write(bytes);
        writer.Write(Checksum(bytes));
    }

    /// <summary>Reads a block of any valid length; <paramref name="what"/> names it in errors.</summary>
    public static float[] Read(BinaryReader reader, string what)
    {
        int count = reader.ReadInt32();
        if (count < 0 || count > MaxCount || !Fits(reader, count))
            throw new InvalidDataException($"{what}: the file claims {count} floats, which is not a valid length or more than the file holds.");
        var values = new float[count];
        ReadBody(reader, values, what);
        return values;
    }

    /// <summary>Reads a block whose count must equal <paramref name="destination"/>'s length.</summary>
    public static void ReadInto(BinaryReader reader, Span<float> destination, string what)
    {
        int count = reader.ReadInt32();
        if (count != destination.Length)
            throw new InvalidDataException($"{what}: the file holds {count} floats; the architecture needs {destination.Length}.");
        ReadBody(reader, destination, what);
    }

    /// <summary>Whether <paramref name="count"/> floats and the checksum fit in what a seekable stream has left.</summary>
    public static bool Fits(BinaryReader reader, long count)
    {
        Stream stream = reader.BaseStream;
        return !stream.CanSeek || 4 * count + sizeof(uint) <= stream.Length - stream.Position;
    }

    private static void ReadBody(BinaryReader reader, Span<float> destination, string what)
    {
        Span<byte> bytes = MemoryMarshal.AsBytes(destination);
        int read = reader.BaseStream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (read != bytes.Length)
            throw new InvalidDataException($"{what}: the file ends after {read} of {bytes.Length} bytes.");
        uint stored = reader.ReadUInt32();
        uint actual = Checksum(bytes);
        if (stored != actual)
            throw new InvalidDataException($"{what}: checksum mismatch (stored {stored:X8}, computed {actual:X8}); the model file is damaged.");
        foreach (float v in destination)
        {
            if (!float.IsFinite(v))
                throw new InvalidDataException($"{what}: holds a non-finite value ({v}).");
        }
    }

    private static uint Checksum(ReadOnlySpan<byte> bytes)
    {
        uint hash = 2166136261;
        foreach (byte b in bytes)
            hash = (hash ^ b) * 16777619;
        return hash;
    }
}
