namespace MLNet.Extensions.Kernels.Pooling;

/// <summary>Dimensions of a 2-D pooling window over an NCHW batch; padded cells never win a max and are excluded from averages.</summary>
public readonly record struct Pool2dShape(
    int Batch, int Channels, int Height, int Width,
    int WindowHeight, int WindowWidth, int StrideHeight, int StrideWidth, int PadHeight = 0, int PadWidth = 0)
{
    /// <summary>Output rows: (H + 2*padH - WH) / strideH + 1.</summary>
    public int OutHeight => (Height + 2 * PadHeight - WindowHeight) / StrideHeight + 1;
    /// <summary>Output columns: (W + 2*padW - WW) / strideW + 1.</summary>
    public int OutWidth => (Width + 2 * PadWidth - WindowWidth) / StrideWidth + 1;
    /// <summary>Elements of the input: N*C*H*W.</summary>
    public int InputSize => Batch * Channels * Height * Width;
    /// <summary>Elements of the output: N*C*OH*OW.</summary>
    public int OutputSize => Batch * Channels * OutHeight * OutWidth;
}
