using MLNet.Extensions.Kernels.Gemm;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>2-D convolution (cross-correlation, as in every DL framework) with zero padding.</summary>
public static partial class Conv2d
{
    /// <summary>Floats of scratch space that <see cref="Forward"/>, <see cref="BackwardData"/> and <see cref="BackwardWeights"/> need for <paramref name="shape"/>.</summary>
    public static int WorkspaceSize(in Conv2dShape shape) =>
        shape.InChannels * shape.KernelHeight * shape.KernelWidth * shape.OutHeight * shape.OutWidth;

    /// <summary>
    /// output (N,O,OH,OW) := conv(input (N,C,H,W), weights (O,C,KH,KW)) + bias (O); bias may be empty.
    /// </summary>
    public static void Forward(in Conv2dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, Span<float> output, Span<float> workspace)
    {
        int k = shape.InChannels * shape.KernelHeight * shape.KernelWidth, spatial = shape.OutHeight * shape.OutWidth;
        int inSize = shape.InChannels * shape.Height * shape.Width, outSize = shape.OutChannels * spatial;
        Span<float> columns = workspace[..(k * spatial)];
        for (int n = 0; n < shape.Batch; n++)
        {
            Im2Col(shape, input.Slice(n * inSize, inSize), columns);
            Span<float> o = output.Slice(n * outSize, outSize);
            for (int c = 0; c < shape.OutChannels; c++)
                o.Slice(c * spatial, spatial).Fill(bias.IsEmpty ? 0f : bias[c]);
            Gemm.Gemm.Multiply(Transpose.No, Transpose.No, shape.OutChannels, spatial, k, 1f, weights, k, columns, spatial, 1f, o, spatial);
        }
    }

    /// <summary>dInput (N,C,H,W) := gradient of the loss w.r.t. the input, given dOutput (N,O,OH,OW). Overwrites dInput.</summary>
    public static void BackwardData(in Conv2dShape shape, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> weights,
        Span<float> dInput, Span<float> workspace)
    {
        int k = shape.InChannels * shape.KernelHeight * shape.KernelWidth, spatial = shape.OutHeight * shape.OutWidth;
        int inSize = shape.InChannels * shape.Height * shape.Width, outSize = shape.OutChannels * spatial;
        Span<float> columns = workspace[..(k * spatial)];
        for (int n = 0; n < shape.Batch; n++)
        {
            Gemm.Gemm.Multiply(Transpose.Yes, Transpose.No, k, spatial, shape.OutChannels, 1f, weights, k,
                dOutput.Slice(n * outSize, outSize), spatial, 0f, columns, spatial);
            Col2Im(shape, columns, dInput.Slice(n * inSize, inSize));
        }
    }

    /// <summary>dWeights (O,C,KH,KW) += and dBias (O) += their gradients; dBias may be empty. Accumulates.</summary>
    public static void BackwardWeights(in Conv2dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> dOutput,
        Span<float> dWeights, Span<float> dBias, Span<float> workspace)
    {
        int k = shape.InChannels * shape.KernelHeight * shape.KernelWidth, spatial = shape.OutHeight * shape.OutWidth;
        int inSize = shape.InChannels * shape.Height * shape.Width, outSize = shape.OutChannels * spatial;
        Span<float> columns = workspace[..(k * spatial)];
        for (int n = 0; n < shape.Batch; n++)
        {
            Im2Col(shape, input.Slice(n * inSize, inSize), columns);
            ReadOnlySpan<float> d = dOutput.Slice(n * outSize, outSize);
            Gemm.Gemm.Multiply(Transpose.No, Transpose.Yes, shape.OutChannels, k, spatial, 1f, d, spatial, columns, spatial, 1f, dWeights, k);
            if (!dBias.IsEmpty)
            {
                for (int c = 0; c < shape.OutChannels; c++)
                {
                    float sum = 0;
                    foreach (float v in d.Slice(c * spatial, spatial))
                        sum += v;
                    dBias[c] += sum;
                }
            }
        }
    }

    private static void Im2Col(in Conv2dShape s, ReadOnlySpan<float> image, Span<float> columns)
    {
        int oh = s.OutHeight, ow = s.OutWidth, row = 0;
        for (int c = 0; c < s.InChannels; c++)
        for (int ky = 0; ky < s.KernelHeight; ky++)
        for (int kx = 0; kx < s.KernelWidth; kx++, row++)
        {
            Span<float> target = columns.Slice(row * oh * ow, oh * ow);
            for (int y = 0; y < oh; y++)
            {
                int iy = y * s.StrideHeight - s.PadHeight + ky;
                for (int x = 0; x < ow; x++)
                {
                    int ix = x * s.StrideWidth - s.PadWidth + kx;
                    target[y * ow + x] = (uint)iy < (uint)s.Height && (uint)ix < (uint)s.Width ? image[(c * s.Height + iy) * s.Width + ix] : 0f;
                }
            }
        }
    }

    private static void Col2Im(in Conv2dShape s, ReadOnlySpan<float> columns, Span<float> image)
    {
        image.Clear();
        int oh = s.OutHeight, ow = s.OutWidth, row = 0;
        for (int c = 0; c < s.InChannels; c++)
        for (int ky = 0; ky < s.KernelHeight; ky++)
        for (int kx = 0; kx < s.KernelWidth; kx++, row++)
        {
            ReadOnlySpan<float> source = columns.Slice(row * oh * ow, oh * ow);
            for (int y = 0; y < oh; y++)
            {
                int iy = y * s.StrideHeight - s.PadHeight + ky;
                if ((uint)iy >= (uint)s.Height)
                    continue;
                for (int x = 0; x < ow; x++)
                {
                    int ix = x * s.StrideWidth - s.PadWidth + kx;
                    if ((uint)ix < (uint)s.Width)
                        image[(c * s.Height + iy) * s.Width + ix] += source[y * ow + x];
                }
            }
        }
    }
}
