using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>2-D convolution: the backward passes (data and weights).</summary>
public static partial class Conv2d
{
    /// <summary>dInput (N,C,H,W) := gradient of the loss w.r.t. the input, given dOutput (N,O,OH,OW). Overwrites dInput.</summary>
    public static void BackwardData(in Conv2dShape shape, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> weights,
        Span<float> dInput, Span<float> workspace)
    {
        ValidateShape(shape);
        Require.Length(dOutput, shape.OutputSize);
        Require.Length(weights, shape.WeightSize);
        Require.Length(dInput, shape.InputSize);
        Require.AtLeast(workspace, SliceSize(shape));
        Conv2dShape s = shape;
        unsafe
        {
            fixed (float* pDOut = dOutput, pW = weights, pDIn = dInput, pWork = workspace)
            {
                nint dOutAddress = (nint)pDOut, wAddress = (nint)pW, dInAddress = (nint)pDIn, workAddress = (nint)pWork;
                ForGroups(s, workspace.Length, (slice, first, count) =>
                {
                    Layout l = new(s, count);
                    var work = new Span<float>((float*)workAddress + (long)slice * SliceSize(s), SliceSize(s));
                    Span<float> columns = work[..(l.K * l.Width)], staged = work.Slice(l.K * l.Width, s.OutChannels * l.Width);
                    var allDOut = new ReadOnlySpan<float>((float*)dOutAddress, s.OutputSize);
                    var allDIn = new Span<float>((float*)dInAddress, s.InputSize);
                    Gather(s, l, allDOut, first, count, staged);
                    Gemm.Gemm.Multiply(Transpose.Yes, Transpose.No, l.K, l.Width, s.OutChannels, 1f,
                        new ReadOnlySpan<float>((float*)wAddress, s.WeightSize), l.K, staged, l.Width, 0f, columns, l.Width);
                    for (int g = 0; g < count; g++)
                        Col2Im(s, columns[(g * l.Spatial)..], l.Width, allDIn.Slice((first + g) * l.InSize, l.InSize));
                });
            }
        }
    }

    /// <summary>
    /// dWeights (O,C,KH,KW) += and dBias (O) += their gradients; dBias may be empty. Accumulates.
    /// Each thread sums its images into its own partial buffer; partials are added in thread order, so the result is
    /// the same on every run with the same thread count.
    /// </summary>
    public static void BackwardWeights(in Conv2dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> dOutput,
        Span<float> dWeights, Span<float> dBias, Span<float> workspace)
    {
        ValidateShape(shape);
        Require.Length(input, shape.InputSize);
        Require.Length(dOutput, shape.OutputSize);
        Require.Length(dWeights, shape.WeightSize);
        Require.LengthOrEmpty(dBias, shape.OutChannels);
        Require.AtLeast(workspace, SliceSize(shape));
        Conv2dShape s = shape;
        int k = s.InChannels * s.KernelHeight * s.KernelWidth;
        int partialSize = s.OutChannels * k + s.OutChannels;
        int partialOffset = SliceSize(s) - partialSize;
        int slices;
        unsafe
        {
            fixed (float* pIn = input, pDOut = dOutput, pWork = workspace)
            {
                nint inAddress = (nint)pIn, dOutAddress = (nint)pDOut, workAddress = (nint)pWork;
                var started = new bool[Math.Max(1, workspace.Length / SliceSize(s))];
                slices = ForGroups(s, workspace.Length, (slice, first, count) =>
                {
                    Layout l = new(s, count);
                    var work = new Span<float>((float*)workAddress + (long)slice * SliceSize(s), SliceSize(s));
                    Span<float> columns = work[..(l.K * l.Width)], staged = work.Slice(l.K * l.Width, s.OutChannels * l.Width);
                    Span<float> partial = work.Slice(partialOffset, partialSize);
                    if (!started[slice])
                    {
                        partial.Clear();
                        started[slice] = true;
                    }
                    var allIn = new ReadOnlySpan<float>((float*)inAddress, s.InputSize);
                    var allDOut = new ReadOnlySpan<float>((float*)dOutAddress, s.OutputSize);
                    for (int g = 0; g < count; g++)
                        Im2Col(s, allIn.Slice((first + g) * l.InSize, l.InSize), columns[(g * l.Spatial)..], l.Width);
                    Gather(s, l, allDOut, first, count, staged);
                    Gemm.Gemm.Multiply(Transpose.No, Transpose.Yes, s.OutChannels, l.K, l.Width, 1f, staged, l.Width, columns, l.Width, 1f, partial, l.K);
                    for (int o = 0; o < s.OutChannels; o++)
                        partial[s.OutChannels * l.K + o] += (float)Reductions.Sum(staged.Slice(o * l.Width, l.Width));
                });
            }
        }
        for (int slice = 0; slice < slices; slice++)
        {
            ReadOnlySpan<float> partial = workspace.Slice(slice * SliceSize(s) + partialOffset, partialSize);
            Elementwise.AddInPlace(dWeights, partial[..(s.OutChannels * k)]);
            if (!dBias.IsEmpty)
                Elementwise.AddInPlace(dBias, partial[(s.OutChannels * k)..]);
        }
    }
}
