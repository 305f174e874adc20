using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>1-D convolution: the backward passes (data and weights).</summary>
public static partial class Conv1d
{
    /// <summary>dInput (N, T, C) := the gradient of the loss w.r.t. the input, given dOutput (N, T_out, O). Overwrites dInput.</summary>
    /// <exception cref="ArgumentException">The shape is invalid, a span's length does not match it, or the workspace is too small.</exception>
    public static void BackwardData(in Conv1dShape shape, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> weights,
        Span<float> dInput, Span<float> workspace)
        => BackwardData(shape, dOutput, weights, dInput, workspace, Conv1dLowering.Automatic);

    /// <summary><see cref="BackwardData(in Conv1dShape, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float})"/> with a given lowering.</summary>
    internal static unsafe void BackwardData(in Conv1dShape shape, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> weights,
        Span<float> dInput, Span<float> workspace, Conv1dLowering lowering)
    {
        ValidateShape(shape);
        CheckLength(dOutput.Length, shape.OutputSize, nameof(dOutput), "N*T_out*O");
        CheckLength(weights.Length, shape.WeightSize, nameof(weights), "O*K*C");
        CheckLength(dInput.Length, shape.InputSize, nameof(dInput), "N*T*C");
        var plan = new Plan(shape, lowering);
        CheckWorkspace(plan, workspace.Length);
        Conv1dShape s = shape;
        int window = s.WindowSize, o = s.OutputChannels, c = s.InputChannels;
        fixed (float* pDOut = dOutput, pW = weights, pDIn = dInput, pWork = workspace)
        {
            nint dOutAddress = (nint)pDOut, wAddress = (nint)pW, dInAddress = (nint)pDIn, workAddress = (nint)pWork;
            ForGroups(plan, workspace.Length, (slice, group) =>
            {
                var dy = new ReadOnlySpan<float>((float*)dOutAddress, s.OutputSize);
                var w = new ReadOnlySpan<float>((float*)wAddress, s.WeightSize);
                var dx = new Span<float>((float*)dInAddress, s.InputSize);
                (int first, int count) = plan.Samples(group, s.Batch);
                dx.Slice(first * s.Steps * c, count * s.Steps * c).Clear();
                if (plan.Taps)
                {
                    // The forward's tap products transposed: rows of dOutput times W_k (O, C) added onto rows of dInput Stride*C apart.
                    for (int n = first; n < first + count; n++)
                    {
                        ReadOnlySpan<float> steps = dy.Slice(n * s.OutputSteps * o, s.OutputSteps * o);
                        Span<float> sequence = dx.Slice(n * s.Steps * c, s.Steps * c);
                        for (int k = 0; k < s.KernelSize; k++)
                        {
                            (int t0, int t1, int p0) = TapRows(s, k);
                            if (t1 > t0)
                                Gemm.Gemm.Multiply(Transpose.No, Transpose.No, t1 - t0, c, o, 1f, steps[(t0 * o)..], o,
                                    w[(k * c)..], window, 1f, sequence[(p0 * c)..], s.Stride * c);
                        }
                    }
                    return;
                }
                Span<float> columns = new Span<float>((float*)workAddress + plan.SliceOffset(slice), plan.BlockRows * window);
                int row0 = first * s.OutputSteps, rows = count * s.OutputSteps;
                for (int r = row0; r < row0 + rows; r += plan.BlockRows)
                {
                    int m = Math.Min(plan.BlockRows, row0 + rows - r);
                    Gemm.Gemm.Multiply(Transpose.No, Transpose.No, m, window, o, 1f, dy[(r * o)..], o, w, window, 0f, columns, window);
                    Scatter(s, columns[..(m * window)], r, m, dx);
                }
            });
        }
    }

    /// <summary>
    /// dWeights (O, K, C) += and dBias (O) += their gradients, given input (N, T, C) and dOutput (N, T_out, O); dBias may
    /// be empty. Accumulates: the batch's gradient G is summed apart (each sample group into its own partial from zero,
    /// the partials in group order, a wave of groups at a time, one per thread), then added once, so dWeights + G does
    /// not depend on the threads or on what dWeights held.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid, a span's length does not match it, or the workspace is too small.</exception>
    public static void BackwardWeights(in Conv1dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> dOutput,
        Span<float> dWeights, Span<float> dBias, Span<float> workspace)
        => BackwardWeights(shape, input, dOutput, dWeights, dBias, workspace, Conv1dLowering.Automatic);

    /// <summary><see cref="BackwardWeights(in Conv1dShape, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float})"/> with a given lowering.</summary>
    internal static unsafe void BackwardWeights(in Conv1dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> dOutput,
        Span<float> dWeights, Span<float> dBias, Span<float> workspace, Conv1dLowering lowering)
    {
        ValidateShape(shape);
        CheckLength(input.Length, shape.InputSize, nameof(input), "N*T*C");
        CheckLength(dOutput.Length, shape.OutputSize, nameof(dOutput), "N*T_out*O");
        CheckLength(dWeights.Length, shape.WeightSize, nameof(dWeights), "O*K*C");
        if (!dBias.IsEmpty)
            CheckLength(dBias.Length, shape.OutputChannels, nameof(dBias), "O (or empty)");
        var plan = new Plan(shape, lowering);
        CheckWorkspace(plan, workspace.Length);
        Conv1dShape s = shape;
        int window = s.WindowSize, o = s.OutputChannels, c = s.InputChannels, weightSize = s.WeightSize;
        int partialOffset = plan.SliceSize - plan.PartialSize, slots = plan.Slots(workspace.Length);
        Span<float> total = workspace[..plan.TotalSize];
        fixed (float* pIn = input, pDOut = dOutput, pWork = workspace)
        {
            nint inAddress = (nint)pIn, dOutAddress = (nint)pDOut, workAddress = (nint)pWork;
            for (int wave = 0; wave < plan.Groups; wave += slots)
            {
                int firstGroup = wave, groups = Math.Min(slots, plan.Groups - wave);
                KernelParallel.For(groups, slice =>
                {
                    var x = new ReadOnlySpan<float>((float*)inAddress, s.InputSize);
                    var dy = new ReadOnlySpan<float>((float*)dOutAddress, s.OutputSize);
                    var work = new Span<float>((float*)workAddress + plan.SliceOffset(slice), plan.SliceSize);
                    Span<float> partialWeights = work.Slice(partialOffset, weightSize), partialBias = work.Slice(partialOffset + weightSize, o);
                    work.Slice(partialOffset, plan.PartialSize).Clear();
                    (int first, int count) = plan.Samples(firstGroup + slice, s.Batch);
                    int row0 = first * s.OutputSteps, rows = count * s.OutputSteps;
                    for (int r = row0; r < row0 + rows; r++)
                        Elementwise.AddInPlace(partialBias, dy.Slice(r * o, o));
                    if (plan.Taps)
                    {
                        // dW_k (O, C) += dOutput rows^T (O, rows) * the input rows tap k read (rows, C), Stride*C apart.
                        for (int n = first; n < first + count; n++)
                        {
                            ReadOnlySpan<float> steps = dy.Slice(n * s.OutputSteps * o, s.OutputSteps * o);
                            ReadOnlySpan<float> sequence = x.Slice(n * s.Steps * c, s.Steps * c);
                            for (int k = 0; k < s.KernelSize; k++)
                            {
                                (int t0, int t1, int p0) = TapRows(s, k);
                                if (t1 > t0)
                                    Gemm.Gemm.Multiply(Transpose.Yes, Transpose.No, o, c, t1 - t0, 1f, steps[(t0 * o)..], o,
                                        sequence[(p0 * c)..], s.Stride * c, 1f, partialWeights[(k * c)..], window);
                            }
                        }
                        return;
                    }
                    Span<float> columns = work[..(plan.BlockRows * window)];
                    for (int r = row0; r < row0 + rows; r += plan.BlockRows)
                    {
                        int m = Math.Min(plan.BlockRows, row0 + rows - r);
                        Gather(s, x, r, m, columns);
                        Gemm.Gemm.Multiply(Transpose.Yes, Transpose.No, o, window, m, 1f, dy[(r * o)..], o, columns, window, 1f, partialWeights, window);
                    }
                });
                for (int slice = 0; slice < groups; slice++)
                {
                    ReadOnlySpan<float> partial = workspace.Slice((int)plan.SliceOffset(slice) + partialOffset, plan.PartialSize);
                    if (wave == 0 && slice == 0)
                        partial.CopyTo(total);
                    else
                        Elementwise.AddInPlace(total, partial);
                }
            }
        }
        if (plan.Groups == 0)
            return;
        Elementwise.AddInPlace(dWeights, total[..weightSize]);
        if (!dBias.IsEmpty)
            Elementwise.AddInPlace(dBias, total[weightSize..]);
    }
}
