using System.Runtime.CompilerServices;
using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Recurrent;

/// <summary>LSTM layer: backpropagation through time.</summary>
public static partial class LstmLayer
{
    /// <summary>
    /// Backpropagation through time given dHidden (T,N,H), the loss gradient w.r.t. every step's output.
    /// Writes dInput (T,N,F) and dInitialHidden/dInitialCell (N,H) (each may be empty to skip);
    /// accumulates dInputWeights, dRecurrentWeights and dBias.
    /// </summary>
    public static void Backward(in LstmShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> inputWeights,
        ReadOnlySpan<float> recurrentWeights, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell,
        ReadOnlySpan<int> lengths, ReadOnlySpan<float> hidden, ReadOnlySpan<float> cell, ReadOnlySpan<float> gates,
        ReadOnlySpan<float> dHidden, Span<float> dInput, Span<float> dInputWeights, Span<float> dRecurrentWeights,
        Span<float> dBias, Span<float> dInitialHidden, Span<float> dInitialCell, Span<float> workspace)
    {
        Validate(shape, input.Length, inputWeights.Length, recurrentWeights.Length, initialHidden.Length, initialCell.Length, lengths,
            hidden.Length, cell.Length, gates.Length);
        int size = shape.Steps * shape.Batch * shape.HiddenSize;
        if (dHidden.Length != size)
            throw new ArgumentException($"dHidden has {dHidden.Length} elements; expected {size}.", nameof(dHidden));
        if (!dInput.IsEmpty && dInput.Length != input.Length)
            throw new ArgumentException($"dInput has {dInput.Length} elements; expected {input.Length} or none.", nameof(dInput));
        if (dInputWeights.Length != inputWeights.Length || dRecurrentWeights.Length != recurrentWeights.Length || dBias.Length != shape.GateSize)
            throw new ArgumentException("Weight gradients must have the weights' sizes.");
        if (workspace.Length < BackwardWorkspaceSize(shape))
            throw new ArgumentException($"workspace has {workspace.Length} elements; expected at least {BackwardWorkspaceSize(shape)}.", nameof(workspace));
        int n = shape.Batch, t = shape.Steps, f = shape.InputSize, h = shape.HiddenSize, g4 = shape.GateSize;
        Span<float> dGates = workspace[..(t * n * g4)];
        Span<float> hPrevAll = workspace.Slice(t * n * g4, t * n * h);
        Span<float> dh = workspace.Slice(t * n * (g4 + h), n * h);
        Span<float> dhNext = workspace.Slice(t * n * (g4 + h) + n * h, n * h);
        Span<float> dcNext = workspace.Slice(t * n * (g4 + h) + 2 * n * h, n * h);
        Span<float> zeros = workspace.Slice(t * n * (g4 + h) + 3 * n * h, n * h);
        zeros.Clear();
        // Every step's dh_{t-1} = dGates_t W_hh reads the same weights: packed once for all steps and threads.
        Span<float> packedWeights = workspace.Slice(t * n * (g4 + h) + 4 * n * h, PackedGemm.PackedSize(h, g4));
        PackedGemm.PackB(Transpose.No, h, g4, recurrentWeights, h, packedWeights);
        dhNext.Clear();
        dcNext.Clear();
        ReadOnlySpan<float> h0 = initialHidden.IsEmpty ? zeros : initialHidden;
        ReadOnlySpan<float> c0 = initialCell.IsEmpty ? zeros : initialCell;
        unsafe
        {
            fixed (float* pH0 = h0, pC0 = c0, pWhh = recurrentWeights, pHidden = hidden, pCell = cell, pGates = gates,
                   pDHidden = dHidden, pDGates = dGates, pHPrev = hPrevAll, pDh = dh, pDhNext = dhNext, pDcNext = dcNext,
                   pPacked = packedWeights)
            fixed (int* pLengths = lengths)
            {
                var pointers = new StepPointers(pH0, pC0, pWhh, pHidden, pCell, pGates, lengths.IsEmpty ? null : pLengths);
                var gradients = new GradientPointers(pDHidden, pDGates, pHPrev, pDh, pDhNext, pDcNext, pPacked, packedWeights.Length);
                if (SplitsRows(shape))
                    BackwardRowsInParallel(shape, pointers, gradients);
                else
                    BackwardSteps(shape, pointers, gradients, 0, shape.Batch);
            }
        }
        Gemm.Gemm.Multiply(Transpose.Yes, Transpose.No, g4, f, t * n, 1f, dGates, g4, input, f, 1f, dInputWeights, f);
        Gemm.Gemm.Multiply(Transpose.Yes, Transpose.No, g4, h, t * n, 1f, dGates, g4, hPrevAll, h, 1f, dRecurrentWeights, h);
        for (int r = 0; r < t * n; r++)
        {
            for (int j = 0; j < g4; j++)
                dBias[j] += dGates[r * g4 + j];
        }
        if (!dInput.IsEmpty)
            Gemm.Gemm.Multiply(Transpose.No, Transpose.No, t * n, f, g4, 1f, dGates, g4, inputWeights, f, 0f, dInput, f);
        if (!dInitialHidden.IsEmpty)
            dhNext.CopyTo(dInitialHidden);
        if (!dInitialCell.IsEmpty)
            dcNext.CopyTo(dInitialCell);
    }

    /// <summary>All steps backwards for batch rows [b0, b1): gate gradients and the recurrent GEMM for dh_{t-1} on those rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void BackwardSteps(in LstmShape shape, in StepPointers p, in GradientPointers d, int b0, int b1)
    {
        int n = shape.Batch, h = shape.HiddenSize, g4 = shape.GateSize, rows = b1 - b0;
        for (int s = shape.Steps - 1; s >= 0; s--)
        {
            float* cPrev = s == 0 ? p.C0 : p.Cell + (long)(s - 1) * n * h;
            float* dStep = d.DGates + (long)s * n * g4;
            for (int i = b0 * h; i < b1 * h; i++)
                d.Dh[i] = d.DHidden[(long)s * n * h + i] + d.DhNext[i];
            for (int b = b0; b < b1; b++)
            {
                float* dGate = dStep + (long)b * g4;
                if (p.Lengths != null && s >= p.Lengths[b])
                {
                    new Span<float>(dGate, g4).Clear();
                    continue;
                }
                LstmCellMath.Backward(p.Gates + ((long)s * n + b) * g4, p.Cell + ((long)s * n + b) * h, cPrev + (long)b * h,
                    d.Dh + (long)b * h, d.DcNext + (long)b * h, dGate, h);
            }
            // dh_{t-1} = dGates_t W_hh; padded rows pass their gradient straight through instead.
            PackedGemm.Multiply(Transpose.No, rows, h, g4, 1f, new ReadOnlySpan<float>(dStep + (long)b0 * g4, rows * g4), g4,
                new ReadOnlySpan<float>(d.PackedWeights, d.PackedLength), 0f, new Span<float>(d.DhNext + (long)b0 * h, rows * h), h);
            for (int b = b0; b < b1; b++)
            {
                if (p.Lengths != null && s >= p.Lengths[b])
                    new ReadOnlySpan<float>(d.Dh + (long)b * h, h).CopyTo(new Span<float>(d.DhNext + (long)b * h, h));
            }
            float* hPrev = s == 0 ? p.H0 : p.Hidden + (long)(s - 1) * n * h;
            new ReadOnlySpan<float>(hPrev + (long)b0 * h, rows * h).CopyTo(new Span<float>(d.HPrev + ((long)s * n + b0) * h, rows * h));
        }
    }
}
