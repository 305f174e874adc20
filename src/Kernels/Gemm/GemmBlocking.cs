namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>
/// Cache-block sizes for the BLIS loops: a kc x NR panel of B stays in L1 while the MR-row panels of the mc x kc block
/// of A stream from L2; the kc x nc panel of B lives in L2/L3. Every block is a whole number of micro-tiles, so the tile
/// grid (and with it every element's summation order) does not depend on how the product is split across threads.
/// </summary>
internal static class GemmBlocking
{
    /// <summary>Depth of one rank-kc update.</summary>
    public const int KC = 256;

    /// <summary>Target rows of A per packed block (rounded down to a multiple of MR).</summary>
    public const int MCTarget = 144;

    /// <summary>Target columns of B per packed panel (rounded down to a multiple of NR).</summary>
    public const int NCTarget = 4096;

    /// <summary>
    /// Depth per rank-kc update: K split into equal blocks of at most <see cref="KC"/>, so a K just past a multiple of KC
    /// does not leave a tiny last block whose packing and C traffic outweigh its arithmetic. Depends on K alone.
    /// </summary>
    public static int DepthBlock(int k)
    {
        int blocks = Math.Max(1, (k + KC - 1) / KC);
        return (k + blocks - 1) / blocks;
    }

    /// <summary>Rows per packed A block for a kernel of height <paramref name="mr"/>.</summary>
    public static int MC(int mr) => Math.Max(mr, MCTarget / mr * mr);

    /// <summary>Columns per packed B panel for a kernel of width <paramref name="nr"/>.</summary>
    public static int NC(int nr) => Math.Max(nr, NCTarget / nr * nr);
}
