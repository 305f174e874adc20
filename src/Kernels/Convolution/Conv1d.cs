using MLNet.Extensions.Kernels.Gemm;

namespace MLNet.Extensions.Kernels.Convolution;

/// <summary>
/// 1-D convolution (cross-correlation, as in every DL framework) over channels-last sequences with zero padding:
/// y[n, t, o] = bias[o] + sum over k, c of weights[o, k, c] * x[n, t*Stride - PadLeft + k*Dilation, c].
/// Shapes: input (N, T, C), weights (O, K, C), bias (O), output (N, T_out, O); see <see cref="Conv1dShape"/>.
/// Every pass is a few GEMMs per group of samples (see <see cref="Conv1dLowering"/>); groups are split across threads, and
/// the partition depends only on the shape, so results are bit-identical across runs and thread counts.
/// </summary>
public static partial class Conv1d
{
    /// <summary>
    /// Floats of scratch space Forward, BackwardData and BackwardWeights need
    /// for <paramref name="shape"/>: the summed weight gradient, and per thread a block of gathered windows (narrow inputs
    /// only) and a weight-gradient partial. A smaller workspace (room for one thread at least) gives the same result; it
    /// only limits the threads.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid.</exception>
    public static int WorkspaceSize(in Conv1dShape shape) => WorkspaceSize(shape, Conv1dLowering.Automatic);

    /// <summary><see cref="WorkspaceSize(in Conv1dShape)"/> for a given lowering.</summary>
    internal static int WorkspaceSize(in Conv1dShape shape, Conv1dLowering lowering)
    {
        ValidateShape(shape);
        var plan = new Plan(shape, lowering);
        return plan.TotalSize + plan.SliceSize * Math.Max(1, Math.Min(plan.Groups, KernelSettings.ThreadCount));
    }

    /// <summary>output (N, T_out, O) := conv(input (N, T, C), weights (O, K, C)) + bias (O); bias may be empty. Overwrites output.</summary>
    /// <exception cref="ArgumentException">The shape is invalid, a span's length does not match it, or the workspace is too small.</exception>
    public static void Forward(in Conv1dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, Span<float> output, Span<float> workspace)
        => Forward(shape, input, weights, bias, output, workspace, Conv1dLowering.Automatic);

    /// <summary><see cref="Forward(in Conv1dShape, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float})"/> with a given lowering.</summary>
    internal static unsafe void Forward(in Conv1dShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, Span<float> output, Span<float> workspace, Conv1dLowering lowering)
    {
        ValidateShape(shape);
        CheckLength(input.Length, shape.InputSize, nameof(input), "N*T*C");
        CheckLength(weights.Length, shape.WeightSize, nameof(weights), "O*K*C");
        if (!bias.IsEmpty)
            CheckLength(bias.Length, shape.OutputChannels, nameof(bias), "O (or empty)");
        CheckLength(output.Length, shape.OutputSize, nameof(output), "N*T_out*O");
        var plan = new Plan(shape, lowering);
        CheckWorkspace(plan, workspace.Length);
        Conv1dShape s = shape;
        int biasLength = bias.Length, window = s.WindowSize, o = s.OutputChannels, c = s.InputChannels;
        fixed (float* pIn = input, pW = weights, pB = bias, pOut = output, pWork = workspace)
        {
            nint inAddress = (nint)pIn, wAddress = (nint)pW, bAddress = (nint)pB, outAddress = (nint)pOut, workAddress = (nint)pWork;
            ForGroups(plan, workspace.Length, (slice, group) =>
            {
                var x = new ReadOnlySpan<float>((float*)inAddress, s.InputSize);
                var w = new ReadOnlySpan<float>((float*)wAddress, s.WeightSize);
                var b = new ReadOnlySpan<float>((float*)bAddress, biasLength);
                var y = new Span<float>((float*)outAddress, s.OutputSize);
                (int first, int count) = plan.Samples(group, s.Batch);
                int row0 = first * s.OutputSteps, rows = count * s.OutputSteps;
                // Every GEMM below accumulates (beta = 1) onto the bias, so a tap that skips the padded rows leaves them right.
                Span<float> groupOutput = y.Slice(row0 * o, rows * o);
                if (b.IsEmpty)
                    groupOutput.Clear();
                else
                {
                    for (int r = 0; r < rows; r++)
                        b.CopyTo(groupOutput.Slice(r * o, o));
                }
                if (plan.Taps)
                {
                    for (int n = first; n < first + count; n++)
                    {
                        ReadOnlySpan<float> sequence = x.Slice(n * s.Steps * c, s.Steps * c);
                        Span<float> steps = y.Slice(n * s.OutputSteps * o, s.OutputSteps * o);
                        for (int k = 0; k < s.KernelSize; k++)
                        {
                            (int t0, int t1, int p0) = TapRows(s, k);
                            if (t1 > t0)
                                Gemm.Gemm.Multiply(Transpose.No, Transpose.Yes, t1 - t0, o, c, 1f, sequence[(p0 * c)..], s.Stride * c,
                                    w[(k * c)..], window, 1f, steps[(t0 * o)..], o);
                        }
                    }
                    return;
                }
                Span<float> columns = new Span<float>((float*)workAddress + plan.SliceOffset(slice), plan.BlockRows * window);
                for (int r = row0; r < row0 + rows; r += plan.BlockRows)
                {
                    int m = Math.Min(plan.BlockRows, row0 + rows - r);
                    Gather(s, x, r, m, columns);
                    Gemm.Gemm.Multiply(Transpose.No, Transpose.Yes, m, o, window, 1f, columns, window, w, window, 1f, y[(r * o)..], o);
                }
            });
        }
    }
}
