namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>
/// One convolution seen as an implicit GEMM: output (M, OH*OW) per image := A (M, K) x patches (K, OH*OW), where
/// K = channels*KH*KW and the patches are read through the index map from a zero-padded copy of each source image.
/// The forward pass reads the input; the backward-data pass (stride 1) is the same product over dOutput with the
/// kernel flipped and the padding KH-1-pad, so both share one kernel.
/// </summary>
internal readonly struct PatchGeometry
{
    private PatchGeometry(int channels, int height, int width, int outChannels, int kernelHeight, int kernelWidth,
        int strideHeight, int strideWidth, int padHeight, int padWidth)
    {
        Channels = channels;
        Height = height;
        Width = width;
        OutChannels = outChannels;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        StrideHeight = strideHeight;
        StrideWidth = strideWidth;
        PadHeight = padHeight;
        PadWidth = padWidth;
        PaddedHeight = height + 2 * padHeight;
        PaddedWidth = width + 2 * padWidth;
        OutHeight = (PaddedHeight - kernelHeight) / strideHeight + 1;
        OutWidth = (PaddedWidth - kernelWidth) / strideWidth + 1;
    }

    /// <summary>The forward pass: patches of the input, weights (O, C*KH*KW) as A.</summary>
    public static PatchGeometry Forward(in Conv2dShape s) => new(s.InChannels, s.Height, s.Width, s.OutChannels,
        s.KernelHeight, s.KernelWidth, s.StrideHeight, s.StrideWidth, s.PadHeight, s.PadWidth);

    /// <summary>
    /// Whether <see cref="BackwardData"/> applies: stride 1, padding below the kernel size, and enough input channels
    /// (the rows of that product) to fill a micro-tile; a grey or RGB first layer keeps the column path, whose GEMM
    /// puts the long C*KH*KW side on the rows instead.
    /// </summary>
    public static bool HasBackwardData(in Conv2dShape s) =>
        s.StrideHeight == 1 && s.StrideWidth == 1 && s.PadHeight < s.KernelHeight && s.PadWidth < s.KernelWidth && s.InChannels >= 8;

    /// <summary>The backward-data pass at stride 1: patches of dOutput padded by KH-1-pad, flipped transposed weights as A.</summary>
    public static PatchGeometry BackwardData(in Conv2dShape s) => new(s.OutChannels, s.OutHeight, s.OutWidth, s.InChannels,
        s.KernelHeight, s.KernelWidth, 1, 1, s.KernelHeight - 1 - s.PadHeight, s.KernelWidth - 1 - s.PadWidth);

    /// <summary>Channels of the source images (C forward, O backward).</summary>
    public int Channels { get; }
    /// <summary>Rows of a source image.</summary>
    public int Height { get; }
    /// <summary>Columns of a source image.</summary>
    public int Width { get; }
    /// <summary>Rows of the product, M: output channels of this pass.</summary>
    public int OutChannels { get; }
    /// <summary>Kernel rows.</summary>
    public int KernelHeight { get; }
    /// <summary>Kernel columns.</summary>
    public int KernelWidth { get; }
    /// <summary>Vertical stride.</summary>
    public int StrideHeight { get; }
    /// <summary>Horizontal stride.</summary>
    public int StrideWidth { get; }
    /// <summary>Zero rows above and below.</summary>
    public int PadHeight { get; }
    /// <summary>Zero columns left and right.</summary>
    public int PadWidth { get; }
    /// <summary>Rows of the padded copy.</summary>
    public int PaddedHeight { get; }
    /// <summary>Columns of the padded copy.</summary>
    public int PaddedWidth { get; }
    /// <summary>Output rows.</summary>
    public int OutHeight { get; }
    /// <summary>Output columns.</summary>
    public int OutWidth { get; }

    /// <summary>K = channels * KH * KW, the depth of the product.</summary>
    public int Depth => Channels * KernelHeight * KernelWidth;
    /// <summary>Floats of one source image.</summary>
    public int SourceImage => Channels * Height * Width;
    /// <summary>Floats of one padded source image.</summary>
    public int PaddedImage => Channels * PaddedHeight * PaddedWidth;
    /// <summary>Output pixels per channel, OH * OW.</summary>
    public int OutPixels => OutHeight * OutWidth;
    /// <summary>Floats of one output image.</summary>
    public int OutImage => OutChannels * OutPixels;

    /// <summary>offsets[k] := where patch row k = (c, ky, kx) starts in a padded image, relative to the output pixel's corner.</summary>
    public unsafe void KernelOffsets(int* offsets)
    {
        int k = 0;
        for (int c = 0; c < Channels; c++)
        for (int ky = 0; ky < KernelHeight; ky++)
        for (int kx = 0; kx < KernelWidth; kx++)
            offsets[k++] = (c * PaddedHeight + ky) * PaddedWidth + kx;
    }

    /// <summary>padded (images, C, Hp, Wp) := source (images, C, H, W) with zero borders.</summary>
    public unsafe void Pad(float* source, int images, float* padded)
    {
        int h = Height, w = Width, hp = PaddedHeight, wp = PaddedWidth;
        new Span<float>(padded, images * PaddedImage).Clear();
        for (int plane = 0; plane < images * Channels; plane++)
        {
            float* src = source + (long)plane * h * w;
            float* dst = padded + (long)plane * hp * wp + PadHeight * wp + PadWidth;
            for (int y = 0; y < h; y++)
                new ReadOnlySpan<float>(src + y * w, w).CopyTo(new Span<float>(dst + y * wp, w));
        }
    }
}
