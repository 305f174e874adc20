namespace MLNet.Extensions.Trainers.Data;

/// <summary>
/// Fisher–Yates over row indices with SplitMix64 seeded from (seed, stream), so that every rank, thread count and
/// resumed session draws the same permutation for the same epoch.
/// </summary>
internal static class RowShuffle
{
    /// <summary>Permutes <paramref name="rows"/> in place; <paramref name="stream"/> separates epochs (0, 1, ...) from the split (-1).</summary>
    public static void Shuffle(Span<int> rows, int seed, int stream)
    {
        ulong state = ((ulong)(uint)seed << 32) | (uint)stream;
        for (int i = rows.Length - 1; i > 0; i--)
        {
            int j = (int)Below(ref state, (uint)(i + 1));
            (rows[i], rows[j]) = (rows[j], rows[i]);
        }
    }

    private static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    // Lemire's multiply-shift with rejection, so every index is equally likely.
    private static uint Below(ref ulong state, uint bound)
    {
        ulong m = (Next(ref state) >> 32) * bound;
        if ((uint)m < bound)
        {
            uint threshold = (0u - bound) % bound;
            while ((uint)m < threshold)
                m = (Next(ref state) >> 32) * bound;
        }
        return (uint)(m >> 32);
    }
}
