using System.Runtime.CompilerServices;
using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Recurrent;

/// <summary>
/// LSTM layer: the scoring pass for a few sequences (a <c>PredictionEngine</c> call), tuned for latency. Packing the
/// weights would cost more than a few rows' products, and there are not enough rows to share among threads, so the
/// hidden units are shared instead: each thread keeps its slice of W_hh warm in its own core's cache, computes its
/// units' gates and state, and the threads meet once per step, when every slice of h_t is written.
/// </summary>
public static partial class LstmLayer
{
    /// <summary>Batches below this size take the few-rows path of <see cref="Infer"/>.</summary>
    private const int FewRowsLimit = 8;

    /// <summary>Hidden units are shared among threads in blocks of this many, so each unit's arithmetic (dot-product group, vector lane) is the same for any thread count.</summary>
    private const int UnitBlock = 16;

    /// <summary>Recurrent multiply-adds per step below which one thread is faster than meeting the others every step.</summary>
    private const int SplitUnitsWork = 32_768;

    private static int FewRowsWorkspaceSize(in LstmShape s) => s.Steps * s.Batch * s.GateSize + 3 * s.Batch * s.HiddenSize;

    private static unsafe void InferFewRows(in LstmShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> inputWeights,
        ReadOnlySpan<float> recurrentWeights, ReadOnlySpan<float> bias, ReadOnlySpan<int> lengths, Span<float> final,
        int finalStride, Span<float> hidden, Span<float> workspace)
    {
        int blocks = shape.HiddenSize / UnitBlock;
        int participants = (long)shape.Batch * shape.GateSize * shape.HiddenSize >= SplitUnitsWork ? KernelParallel.Degree(blocks) : 1;
        fixed (float* pInput = input, pInputWeights = inputWeights, pRecurrent = recurrentWeights, pBias = bias,
            pFinal = final, pHidden = hidden, pWorkspace = workspace)
        fixed (int* pLengths = lengths)
        {
            var state = new FewRowsPointers(shape, pInput, pInputWeights, pRecurrent, pBias, pFinal, finalStride,
                hidden.IsEmpty ? null : pHidden, pWorkspace, lengths.IsEmpty ? null : pLengths);
            KernelParallel.Together(participants, state, static (in FewRowsPointers p, int participant, KernelBarrier barrier) =>
                InferUnits(p, participant, barrier));
        }
    }

    /// <summary>One participant's hidden units, [u0, u1), through every step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void InferUnits(in FewRowsPointers p, int participant, KernelBarrier barrier)
    {
        LstmShape s = p.Shape;
        int n = s.Batch, t = s.Steps, f = s.InputSize, h = s.HiddenSize, g4 = s.GateSize;
        int blocks = h / UnitBlock, count = barrier.Participants;
        int u0 = participant * blocks / count * UnitBlock;
        int u1 = participant == count - 1 ? h : (participant + 1) * blocks / count * UnitBlock;
        int units = u1 - u0;
        float* gates = p.Workspace;
        float* cell = gates + (long)t * n * g4;
        float* states = cell + (long)n * h;
        var input = new ReadOnlySpan<float>(p.Input, t * n * f);
        // Input projections of every step for this slice's gate rows: one product per gate over all T x N rows.
        for (int q = 0; q < 4; q++)
        {
            int row = q * h + u0;
            Gemm.Gemm.Multiply(Transpose.No, Transpose.Yes, t * n, units, f, 1f, input, f,
                new ReadOnlySpan<float>(p.InputWeights + (long)row * f, units * f), f, 0f,
                new Span<float>(gates + row, (t * n - 1) * g4 + units), g4);
        }
        for (int r = 0; r < n; r++)
            new Span<float>(cell + (long)r * h + u0, units).Clear();
        float* hPrev = null;
        for (int step = 0; step < t; step++)
        {
            float* hNext = p.Hidden != null ? p.Hidden + (long)step * n * h : states + (long)(step & 1) * n * h;
            float* stepGates = gates + (long)step * n * g4;
            // From zero state the first step's recurrent product is zero and is skipped.
            if (step > 0)
            {
                var previous = new ReadOnlySpan<float>(hPrev, n * h);
                for (int q = 0; q < 4; q++)
                {
                    int row = q * h + u0;
                    Gemm.Gemm.Multiply(Transpose.No, Transpose.Yes, n, units, h, 1f, previous, h,
                        new ReadOnlySpan<float>(p.RecurrentWeights + (long)row * h, units * h), h, 1f,
                        new Span<float>(stepGates + row, (n - 1) * g4 + units), g4);
                }
            }
            for (int r = 0; r < n; r++)
            {
                float* target = hNext + (long)r * h + u0;
                // Past a sequence's length its state holds, as in Forward.
                if (p.Lengths == null || step < p.Lengths[r])
                    LstmCellMath.Infer(stepGates + (long)r * g4 + u0, p.Bias + u0, cell + (long)r * h + u0, target, units, h);
                else if (step == 0)
                    new Span<float>(target, units).Clear();
                else
                    new ReadOnlySpan<float>(hPrev + (long)r * h + u0, units).CopyTo(new Span<float>(target, units));
            }
            // Every slice of h_t must be written before any thread reads it in the next step's product. One meeting per
            // step is enough: a thread writes h_{t+1} over h_{t-1} only after all have finished reading h_{t-1}.
            if (step < t - 1)
                barrier.SignalAndWait(participant);
            hPrev = hNext;
        }
        for (int r = 0; r < n; r++)
            new ReadOnlySpan<float>(hPrev + (long)r * h + u0, units).CopyTo(new Span<float>(p.Final + (long)r * p.FinalStride + u0, units));
    }

    /// <summary>Raw addresses of the few-rows scoring pass's buffers, passed by value to the participants.</summary>
    private readonly unsafe struct FewRowsPointers(LstmShape shape, float* input, float* inputWeights, float* recurrentWeights,
        float* bias, float* final, int finalStride, float* hidden, float* workspace, int* lengths)
    {
        public readonly LstmShape Shape = shape;
        public readonly float* Input = input, InputWeights = inputWeights, RecurrentWeights = recurrentWeights, Bias = bias,
            Final = final, Hidden = hidden, Workspace = workspace;
        public readonly int FinalStride = finalStride;
        public readonly int* Lengths = lengths;
    }
}
