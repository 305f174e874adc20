namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>Dimensions of a 2-D convolution over an NCHW batch with OIHW weights.</summary>
public readonly record struct Conv2dShape(
    int Batch, int InChannels, int Height, int Width,
    int OutChannels, int KernelHeight, int KernelWidth,
    int StrideHeight = 1, int StrideWidth = 1, int PadHeight = 0, int PadWidth = 0)
{
    /// <summary>Output rows: (H + 2*padH - KH) / strideH + 1.</summary>
    public int OutHeight => (Height + 2 * PadHeight - KernelHeight) / StrideHeight + 1;
    /// <summary>Output columns: (W + 2*padW - KW) / strideW + 1.</summary>
    public int OutWidth => (Width + 2 * PadWidth - KernelWidth) / StrideWidth + 1;
    /// <summary>Elements of the input: N*C*H*W.</summary>
    public int InputSize => Batch * InChannels * Height * Width;
    /// <summary>Elements of the output: N*O*OH*OW.</summary>
    public int OutputSize => Batch * OutChannels * OutHeight * OutWidth;
    /// <summary>Elements of the weights: O*C*KH*KW.</summary>
    public int WeightSize => OutChannels * InChannels * KernelHeight * KernelWidth;
}
