namespace MLNet.Extensions.Transforms.Persistence;

/// <summary>
/// CRC-32 (IEEE 802.3, the zip polynomial), so our entry checksums and <see cref="ModelFile.Verify(string)"/>'s check of
/// the zip's own CRCs use one algorithm without a package dependency.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] s_table = CreateTable();

    /// <summary>The CRC-32 of <paramref name="bytes"/>, continuing from <paramref name="crc"/> (0 to start).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> bytes)
    {
        uint[] table = s_table;
        crc = ~crc;
        foreach (byte b in bytes)
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    /// <summary>The CRC-32 of <paramref name="bytes"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> bytes) => Append(0, bytes);

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
