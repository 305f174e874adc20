namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>
/// Sizes and places (in floats, each a whole number of cache lines from a 64-byte aligned start) of what
/// <see cref="Winograd3x3"/> keeps per thread for one pass: the transformed weights (or their gradient), one zero-padded
/// source image, its 16 transformed planes, the 16 planes of products (or of transformed dOutput), one image of
/// pixel-major rows and the padded bias.
/// </summary>
internal readonly struct WinogradLayout
{
    /// <summary>Floats a vector load of the padded image's last row may read past its end.</summary>
    private const int Slack = 64;

    public WinogradLayout(in PatchGeometry g)
    {
        TileRows = (g.OutHeight + 1) / 2;
        TileColumns = (g.OutWidth + 1) / 2;
        Tiles = TileRows * TileColumns;
        PaddedRows = 2 * TileRows + 2;
        PaddedRowStride = 2 * TileColumns + 2;
        SourceRows = (g.Channels + 3) & ~3;
        OutStride = (g.OutChannels + 15) & ~15;
        // A tile row's vector store spills up to 15 lanes past the row's tiles; the last row's spill stays in the slack.
        TileStride = (Tiles + 16 + 15) & ~15;
        WeightPlane = Skewed(SourceRows * OutStride);
        TransformedPlane = Skewed(SourceRows * TileStride);
        ProductPlane = Skewed(Tiles * OutStride);
        Weights = 0;
        Padded = Weights + 16 * WeightPlane;
        Transformed = Padded + Lines(g.Channels * PaddedRows * PaddedRowStride + Slack);
        Products = Transformed + 16 * TransformedPlane;
        Pixels = Products + 16 * ProductPlane;
        Bias = Pixels + Lines(g.OutPixels * OutStride);
        Size = Bias + Lines(OutStride) + 16;
    }

    /// <summary>Rows of 2x2 output tiles (the last is half outside when the output height is odd).</summary>
    public int TileRows { get; }
    /// <summary>Columns of 2x2 output tiles.</summary>
    public int TileColumns { get; }
    /// <summary>Tiles per image.</summary>
    public int Tiles { get; }
    /// <summary>Rows of the padded source image: every tile's 4x4 input block, zeros past the image.</summary>
    public int PaddedRows { get; }
    /// <summary>Floats per padded row.</summary>
    public int PaddedRowStride { get; }
    /// <summary>Source channels rounded up to 4, the weight gradient's row blocks (rows past the channels stay zero).</summary>
    public int SourceRows { get; }
    /// <summary>Output channels rounded up to whole 16-lane vectors: the row stride of everything with channels in the lanes.</summary>
    public int OutStride { get; }
    /// <summary>Floats from one source channel's transformed tiles to the next.</summary>
    public int TileStride { get; }
    /// <summary>Floats from one plane ξ of <see cref="Weights"/> to the next.</summary>
    public int WeightPlane { get; }
    /// <summary>Floats from one plane ξ of <see cref="Transformed"/> to the next.</summary>
    public int TransformedPlane { get; }
    /// <summary>Floats from one plane ξ of <see cref="Products"/> to the next.</summary>
    public int ProductPlane { get; }
    /// <summary>Transformed weights U[ξ][c][o] (or their gradient), 16 planes of SourceRows x OutStride.</summary>
    public int Weights { get; }
    /// <summary>One padded source image (C, PaddedRows, PaddedRowStride).</summary>
    public int Padded { get; }
    /// <summary>Transformed input V[ξ][c][t], 16 planes of SourceRows x TileStride.</summary>
    public int Transformed { get; }
    /// <summary>Products M[ξ][t][o] (or transformed dOutput), 16 planes of Tiles x OutStride.</summary>
    public int Products { get; }
    /// <summary>One image of pixel-major rows of OutStride: the output before its transpose, or dOutput after it.</summary>
    public int Pixels { get; }
    /// <summary>The bias padded to OutStride.</summary>
    public int Bias { get; }
    /// <summary>Floats of the whole layout, with room to align its start to 64 bytes.</summary>
    public int Size { get; }

    /// <summary>The first 64-byte boundary at or after <paramref name="start"/>, where the layout's regions begin.</summary>
    public static unsafe float* Align(float* start) => (float*)(((nint)start + 63) & ~(nint)63);

    private static int Lines(int floats) => (floats + 15) & ~15;

    /// <summary>
    /// Whole cache lines, and an odd number of them modulo 4 KB: the transforms touch the same place in all 16 planes at
    /// once, and planes a multiple of 4 KB apart fell into one L1 set (the 64-channel input transform ran 4x slower than the 32-channel one).
    /// </summary>
    private static int Skewed(int floats)
    {
        int lines = (floats + 15) / 16;
        return (lines % 2 == 0 ? lines + 1 : lines) * 16;
    }
}
