using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Recurrent;

/// <summary>GRU layer: backpropagation through time.</summary>
public static partial class GruLayer
{
    /// <summary>
    /// Backpropagation through time given dHidden (T,N,H), the loss gradient w.r.t. every step's output, and the hidden
    /// states and cache <see cref="Forward"/> wrote. Writes dInput (T,N,F) and dInitialHidden (N,H) (each may be empty to skip);
    /// accumulates dInputWeights, dRecurrentWeights, dInputBias and dRecurrentBias.
    /// </summary>
    public static void Backward(in GruShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> inputWeights,
        ReadOnlySpan<float> recurrentWeights, ReadOnlySpan<float> initialHidden, ReadOnlySpan<int> lengths,
        ReadOnlySpan<float> hidden, ReadOnlySpan<float> cache, ReadOnlySpan<float> dHidden, Span<float> dInput,
        Span<float> dInputWeights, Span<float> dRecurrentWeights, Span<float> dInputBias, Span<float> dRecurrentBias,
        Span<float> dInitialHidden, Span<float> workspace)
    {
        Validate(shape, input.Length, inputWeights.Length, recurrentWeights.Length, initialHidden.Length, lengths, hidden.Length, cache.Length);
        int n = shape.Batch, t = shape.Steps, f = shape.InputSize, h = shape.HiddenSize, g3 = shape.GateSize;
        if (dHidden.Length != hidden.Length)
            throw new ArgumentException($"dHidden has {dHidden.Length} elements; expected T*N*H = {hidden.Length}.", nameof(dHidden));
        if (!dInput.IsEmpty && dInput.Length != input.Length)
            throw new ArgumentException($"dInput has {dInput.Length} elements; expected {input.Length} or none.", nameof(dInput));
        if (dInputWeights.Length != inputWeights.Length)
            throw new ArgumentException($"dInputWeights has {dInputWeights.Length} elements; expected {inputWeights.Length}, the size of inputWeights.", nameof(dInputWeights));
        if (dRecurrentWeights.Length != recurrentWeights.Length)
            throw new ArgumentException($"dRecurrentWeights has {dRecurrentWeights.Length} elements; expected {recurrentWeights.Length}, the size of recurrentWeights.", nameof(dRecurrentWeights));
        if (dInputBias.Length != g3)
            throw new ArgumentException($"dInputBias has {dInputBias.Length} elements; expected 3H = {g3}.", nameof(dInputBias));
        if (dRecurrentBias.Length != g3)
            throw new ArgumentException($"dRecurrentBias has {dRecurrentBias.Length} elements; expected 3H = {g3}.", nameof(dRecurrentBias));
        if (!dInitialHidden.IsEmpty && dInitialHidden.Length != n * h)
            throw new ArgumentException($"dInitialHidden has {dInitialHidden.Length} elements; expected {n * h} or none.", nameof(dInitialHidden));
        if (workspace.Length < BackwardWorkspaceSize(shape))
            throw new ArgumentException($"workspace has {workspace.Length} elements; expected at least {BackwardWorkspaceSize(shape)}.", nameof(workspace));
        int all = t * n * g3;
        Span<float> dInputGates = workspace[..all];
        Span<float> dRecurrentGates = workspace.Slice(all, all);
        Span<float> dh = workspace.Slice(2 * all, n * h);
        Span<float> dhNext = workspace.Slice(2 * all + n * h, n * h);
        Span<float> zeros = workspace.Slice(2 * all + 2 * n * h, n * h);
        zeros.Clear();
        // Every step's dh_{t-1} += dG_h W_hh reads the same weights: packed once for all steps and threads.
        Span<float> packedWeights = workspace.Slice(2 * all + 3 * n * h, PackedGemm.PackedSize(h, g3));
        PackedGemm.PackB(Transpose.No, h, g3, recurrentWeights, h, packedWeights);
        dhNext.Clear();
        ReadOnlySpan<float> h0 = initialHidden.IsEmpty ? zeros : initialHidden;
        unsafe
        {
            fixed (float* pH0 = h0, pWhh = packedWeights, pHidden = hidden, pCache = cache, pDHidden = dHidden,
                   pDInputGates = dInputGates, pDRecurrentGates = dRecurrentGates, pDh = dh, pDhNext = dhNext)
            fixed (int* pLengths = lengths)
            {
                var pointers = new StepPointers(pH0, pWhh, null, null, pHidden, pCache, null, lengths.IsEmpty ? null : pLengths);
                var gradients = new GradientPointers(pDHidden, pDInputGates, pDRecurrentGates, pDh, pDhNext);
                if (SplitsRows(shape))
                    BackwardRowsInParallel(shape, pointers, gradients);
                else
                    BackwardSteps(shape, pointers, gradients, 0, shape.Batch);
            }
        }
        // Weight gradients of all steps at once: dW_ih += dG_x^T x; dW_hh += dG_h^T hPrev, where hPrev of steps 1..T-1 is
        // hidden of steps 0..T-2 read in place, and step 0's is the initial state (nothing to add when that is zero).
        Gemm.Gemm.Multiply(Transpose.Yes, Transpose.No, g3, f, t * n, 1f, dInputGates, g3, input, f, 1f, dInputWeights, f);
        if (t > 1)
            Gemm.Gemm.Multiply(Transpose.Yes, Transpose.No, g3, h, (t - 1) * n, 1f, dRecurrentGates[(n * g3)..], g3,
                hidden, h, 1f, dRecurrentWeights, h);
        if (!initialHidden.IsEmpty)
            Gemm.Gemm.Multiply(Transpose.Yes, Transpose.No, g3, h, n, 1f, dRecurrentGates, g3, initialHidden, h, 1f, dRecurrentWeights, h);
        for (int r = 0; r < t * n; r++)
        {
            Elementwise.AddInPlace(dInputBias, dInputGates.Slice(r * g3, g3));
            Elementwise.AddInPlace(dRecurrentBias, dRecurrentGates.Slice(r * g3, g3));
        }
        if (!dInput.IsEmpty)
            Gemm.Gemm.Multiply(Transpose.No, Transpose.No, t * n, f, g3, 1f, dInputGates, g3, inputWeights, f, 0f, dInput, f);
        if (!dInitialHidden.IsEmpty)
            dhNext.CopyTo(dInitialHidden);
    }

    /// <summary>All steps backwards for batch rows [b0, b1): gate gradients, then dh_{t-1} = dh z + dG_h W_hh on those rows.</summary>
    private static unsafe void BackwardSteps(in GruShape shape, in StepPointers p, in GradientPointers d, int b0, int b1)
    {
        int n = shape.Batch, h = shape.HiddenSize, g3 = shape.GateSize, g4 = 4 * h, rows = b1 - b0;
        for (int s = shape.Steps - 1; s >= 0; s--)
        {
            float* hPrev = s == 0 ? p.H0 : p.Hidden + (long)(s - 1) * n * h;
            float* dInputStep = d.DInputGates + (long)s * n * g3, dRecurrentStep = d.DRecurrentGates + (long)s * n * g3;
            Elementwise.Binary<AddOperator>(new ReadOnlySpan<float>(d.DHidden + ((long)s * n + b0) * h, rows * h),
                new ReadOnlySpan<float>(d.DhNext + (long)b0 * h, rows * h), new Span<float>(d.Dh + (long)b0 * h, rows * h), 0f, 0f);
            for (int b = b0; b < b1; b++)
            {
                float* dInputGate = dInputStep + (long)b * g3, dRecurrentGate = dRecurrentStep + (long)b * g3;
                if (p.Lengths != null && s >= p.Lengths[b])
                {
                    // h_t = h_{t-1}: the gradient passes straight through, and the zero gate gradients add nothing below.
                    new Span<float>(dInputGate, g3).Clear();
                    new Span<float>(dRecurrentGate, g3).Clear();
                    new ReadOnlySpan<float>(d.Dh + (long)b * h, h).CopyTo(new Span<float>(d.DhNext + (long)b * h, h));
                    continue;
                }
                GruCellMath.Backward(p.Cache + ((long)s * n + b) * g4, hPrev + (long)b * h, d.Dh + (long)b * h,
                    dInputGate, dRecurrentGate, d.DhNext + (long)b * h, h);
            }
            // p.RecurrentWeights holds W_hh packed by Backward.
            PackedGemm.Multiply(Transpose.No, rows, h, g3, 1f, new ReadOnlySpan<float>(dRecurrentStep + (long)b0 * g3, rows * g3), g3,
                new ReadOnlySpan<float>(p.RecurrentWeights, PackedGemm.PackedSize(h, g3)), 1f, new Span<float>(d.DhNext + (long)b0 * h, rows * h), h);
        }
    }
}
