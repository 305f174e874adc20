using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>2-D convolution (cross-correlation, as in every DL framework) with zero padding: the forward pass.</summary>
public static partial class Conv2d
{
    /// <summary>
    /// Floats of scratch space that <see cref="Forward"/>, <see cref="BackwardData"/> and <see cref="BackwardWeights"/> need
    /// for <paramref name="shape"/>: per thread, an im2col buffer for a group of images, an output staging buffer and a
    /// partial weight gradient. A smaller workspace (at least one slice) is still correct; it only limits the threads.
    /// </summary>
    public static int WorkspaceSize(in Conv2dShape shape) => SliceSize(shape) * Math.Max(1, Math.Min(shape.Batch, KernelThreadScope.CurrentThreadCount));

    /// <summary>
    /// output (N,O,OH,OW) := conv(input (N,C,H,W), weights (O,C,KH,KW)) + bias (O); bias may be empty.
    /// Images are split across threads; each thread lowers a group of G images to columns (C*KH*KW, G*OH*OW) and runs
    /// one GEMM with the weights, so the weights are packed once per group rather than once per image.
    /// </summary>
    public static void Forward(in Conv2dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, Span<float> output, Span<float> workspace)
    {
        ValidateShape(shape);
        Require.Length(input, shape.InputSize);
        Require.Length(weights, shape.WeightSize);
        Require.LengthOrEmpty(bias, shape.OutChannels);
        Require.Length(output, shape.OutputSize);
        Require.AtLeast(workspace, SliceSize(shape));
        Conv2dShape s = shape;
        unsafe
        {
            fixed (float* pIn = input, pW = weights, pB = bias, pOut = output, pWork = workspace)
            {
                nint inAddress = (nint)pIn, wAddress = (nint)pW, bAddress = (nint)pB, outAddress = (nint)pOut, workAddress = (nint)pWork;
                int biasLength = bias.Length;
                ForGroups(s, workspace.Length, (slice, first, count) =>
                {
                    Layout l = new(s, count);
                    var work = new Span<float>((float*)workAddress + (long)slice * SliceSize(s), SliceSize(s));
                    Span<float> columns = work[..(l.K * l.Width)], staged = work.Slice(l.K * l.Width, s.OutChannels * l.Width);
                    var allIn = new ReadOnlySpan<float>((float*)inAddress, s.InputSize);
                    var allOut = new Span<float>((float*)outAddress, s.OutputSize);
                    var b = new ReadOnlySpan<float>((float*)bAddress, biasLength);
                    for (int g = 0; g < count; g++)
                        Im2Col(s, allIn.Slice((first + g) * l.InSize, l.InSize), columns[(g * l.Spatial)..], l.Width);
                    Gemm.Gemm.Multiply(Transpose.No, Transpose.No, s.OutChannels, l.Width, l.K, 1f,
                        new ReadOnlySpan<float>((float*)wAddress, s.WeightSize), l.K, columns, l.Width, 0f, staged, l.Width);
                    for (int g = 0; g < count; g++)
                    {
                        for (int o = 0; o < s.OutChannels; o++)
                        {
                            Span<float> target = allOut.Slice((first + g) * l.OutSize + o * l.Spatial, l.Spatial);
                            ReadOnlySpan<float> source = staged.Slice(o * l.Width + g * l.Spatial, l.Spatial);
                            if (b.IsEmpty)
                                source.CopyTo(target);
                            else
                                Elementwise.Unary<AffineOperator>(source, target, 1f, b[o]);
                        }
                    }
                });
            }
        }
    }
}
