using MLNet.Extensions.Kernels.Gemm;
using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Recurrent;

/// <summary>LSTM layer: splitting batch rows across threads, raw buffer addresses, argument checks.</summary>
public static partial class LstmLayer
{
    /// <summary>Raw addresses of the forward buffers, so a row range can run on another thread without copying.</summary>
    private readonly unsafe struct StepPointers(float* h0, float* c0, float* recurrentWeights, float* hidden, float* cell, float* gates, int* lengths)
    {
        public readonly float* H0 = h0, C0 = c0, RecurrentWeights = recurrentWeights, Hidden = hidden, Cell = cell, Gates = gates;
        public readonly int* Lengths = lengths;
    }

    /// <summary>Raw addresses of the backward buffers.</summary>
    private readonly unsafe struct GradientPointers(float* dHidden, float* dGates, float* hPrev, float* dh, float* dhNext, float* dcNext,
        float* packedWeights, int packedLength)
    {
        public readonly float* DHidden = dHidden, DGates = dGates, HPrev = hPrev, Dh = dh, DhNext = dhNext, DcNext = dcNext;

        /// <summary>W_hh as the (4H, H) right operand of dh = dGates W_hh, packed once by <see cref="PackedGemm.PackB"/>.</summary>
        public readonly float* PackedWeights = packedWeights;

        /// <summary>Floats at <see cref="PackedWeights"/>.</summary>
        public readonly int PackedLength = packedLength;
    }

    /// <summary>Whether to split batch rows across threads: only when the recurrence is big enough to pay for the hand-off.</summary>
    private static bool SplitsRows(in LstmShape s)
    {
        long work = (long)s.Steps * s.Batch * s.GateSize * (s.HiddenSize + 8);
        return s.Batch >= 2 && work >= 2_000_000 && KernelParallel.Degree(s.Batch) > 1;
    }

    // The split lives in methods of its own: a lambda's captured locals are allocated on entry to the scope that
    // declares them, so capturing in the kernels themselves would allocate on every call, inline ones too.
    private static unsafe void ForwardRowsInParallel(LstmShape shape, StepPointers pointers, bool packed, int weightLength) =>
        KernelParallel.ForRanges(shape.Batch, (b0, b1) => ForwardSteps(shape, pointers, packed, weightLength, b0, b1));

    private static unsafe void BackwardRowsInParallel(LstmShape shape, StepPointers pointers, GradientPointers gradients) =>
        KernelParallel.ForRanges(shape.Batch, (b0, b1) => BackwardSteps(shape, pointers, gradients, b0, b1));

    private static void Validate(in LstmShape s, int input, int inputWeights, int recurrentWeights, int initialHidden, int initialCell,
        ReadOnlySpan<int> lengths, int hidden, int cell, int gates)
    {
        ValidateInputs(s, input, inputWeights, recurrentWeights, initialHidden, initialCell, lengths);
        int steps = s.Steps * s.Batch * s.HiddenSize;
        if (hidden != steps || cell != steps || gates != 4 * steps)
            throw new ArgumentException($"hidden, cell and gates must have {steps}, {steps} and {4 * steps} elements.");
    }

    private static void ValidateInputs(in LstmShape s, int input, int inputWeights, int recurrentWeights, int initialHidden,
        int initialCell, ReadOnlySpan<int> lengths)
    {
        if (s.Batch < 1 || s.Steps < 1 || s.InputSize < 1 || s.HiddenSize < 1)
            throw new ArgumentException($"Invalid LSTM shape {s}.", nameof(s));
        if (input != s.Steps * s.Batch * s.InputSize)
            throw new ArgumentException($"input has {input} elements; expected T*N*F = {s.Steps * s.Batch * s.InputSize}.", nameof(input));
        if (inputWeights != s.GateSize * s.InputSize)
            throw new ArgumentException($"inputWeights has {inputWeights} elements; expected 4H*F = {s.GateSize * s.InputSize}.", nameof(inputWeights));
        if (recurrentWeights != s.GateSize * s.HiddenSize)
            throw new ArgumentException($"recurrentWeights has {recurrentWeights} elements; expected 4H*H = {s.GateSize * s.HiddenSize}.", nameof(recurrentWeights));
        int state = s.Batch * s.HiddenSize;
        if (initialHidden != 0 && initialHidden != state)
            throw new ArgumentException($"initialHidden has {initialHidden} elements; expected {state} or none.", nameof(initialHidden));
        if (initialCell != 0 && initialCell != state)
            throw new ArgumentException($"initialCell has {initialCell} elements; expected {state} or none.", nameof(initialCell));
        SequenceLengths.Validate(lengths, s.Batch, s.Steps);
    }
}
