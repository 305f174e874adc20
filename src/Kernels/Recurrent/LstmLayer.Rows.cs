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
    private readonly unsafe struct GradientPointers(float* dHidden, float* dGates, float* hPrev, float* dh, float* dhNext, float* dcNext)
    {
        public readonly float* DHidden = dHidden, DGates = dGates, HPrev = hPrev, Dh = dh, DhNext = dhNext, DcNext = dcNext;
    }

    /// <summary>Splits batch rows across threads when the recurrence is big enough to pay for the hand-off.</summary>
    private static void ForRows(in LstmShape s, Action<int, int> body)
    {
        long work = (long)s.Steps * s.Batch * s.GateSize * (s.HiddenSize + 8);
        if (s.Batch < 2 || work < 2_000_000)
            body(0, s.Batch);
        else
            KernelParallel.ForRanges(s.Batch, body);
    }

    private static void Validate(in LstmShape s, int input, int inputWeights, int recurrentWeights, int initialHidden, int initialCell,
        ReadOnlySpan<int> lengths, int hidden, int cell, int gates)
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
        if (!lengths.IsEmpty)
        {
            if (lengths.Length != s.Batch)
                throw new ArgumentException($"lengths has {lengths.Length} elements; expected {s.Batch} or none.", nameof(lengths));
            foreach (int length in lengths)
            {
                if ((uint)length > (uint)s.Steps)
                    throw new ArgumentOutOfRangeException(nameof(lengths), length, $"Sequence lengths must be in [0, {s.Steps}].");
            }
        }
        int steps = s.Steps * state;
        if (hidden != steps || cell != steps || gates != 4 * steps)
            throw new ArgumentException($"hidden, cell and gates must have {steps}, {steps} and {4 * steps} elements.");
    }
}
