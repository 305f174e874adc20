using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Kernels.Recurrent;

/// <summary>GRU layer: splitting batch rows across threads, raw buffer addresses, argument checks.</summary>
public static partial class GruLayer
{
    /// <summary>Raw addresses of the forward buffers, so a row range can run on another thread without copying.</summary>
    private readonly unsafe struct StepPointers(float* h0, float* recurrentWeights, float* inputBias, float* recurrentBias,
        float* hidden, float* cache, float* projection, int* lengths)
    {
        public readonly float* H0 = h0, RecurrentWeights = recurrentWeights, InputBias = inputBias, RecurrentBias = recurrentBias,
            Hidden = hidden, Cache = cache, Projection = projection;
        public readonly int* Lengths = lengths;
    }

    /// <summary>Raw addresses of the backward buffers.</summary>
    private readonly unsafe struct GradientPointers(float* dHidden, float* dInputGates, float* dRecurrentGates, float* dh, float* dhNext)
    {
        public readonly float* DHidden = dHidden, DInputGates = dInputGates, DRecurrentGates = dRecurrentGates, Dh = dh, DhNext = dhNext;
    }

    /// <summary>Whether to split batch rows across threads: only when the recurrence is big enough to pay for the hand-off.</summary>
    private static bool SplitsRows(in GruShape s)
    {
        long work = (long)s.Steps * s.Batch * s.GateSize * (s.HiddenSize + 8);
        return s.Batch >= 2 && work >= 2_000_000 && KernelParallel.Degree(s.Batch) > 1;
    }

    // The split lives in methods of its own: a lambda's captured locals are allocated on entry to the scope that
    // declares them, so capturing in the kernels themselves would allocate on every call, inline ones too.
    private static unsafe void ForwardRowsInParallel(GruShape shape, StepPointers pointers, bool packed, int weightLength) =>
        KernelParallel.ForRanges(shape.Batch, (b0, b1) => ForwardSteps(shape, pointers, packed, weightLength, b0, b1));

    private static unsafe void BackwardRowsInParallel(GruShape shape, StepPointers pointers, GradientPointers gradients) =>
        KernelParallel.ForRanges(shape.Batch, (b0, b1) => BackwardSteps(shape, pointers, gradients, b0, b1));

    private static void Validate(in GruShape s, int input, int inputWeights, int recurrentWeights, int initialHidden,
        ReadOnlySpan<int> lengths, int hidden, int cache)
    {
        if (s.Batch < 1 || s.Steps < 1 || s.InputSize < 1 || s.HiddenSize < 1)
            throw new ArgumentException($"Invalid GRU shape {s}; every dimension must be at least 1.", "shape");
        if (input != s.Steps * s.Batch * s.InputSize)
            throw new ArgumentException($"input has {input} elements; expected T*N*F = {s.Steps * s.Batch * s.InputSize}.", nameof(input));
        if (inputWeights != s.GateSize * s.InputSize)
            throw new ArgumentException($"inputWeights has {inputWeights} elements; expected 3H*F = {s.GateSize * s.InputSize}.", nameof(inputWeights));
        if (recurrentWeights != s.GateSize * s.HiddenSize)
            throw new ArgumentException($"recurrentWeights has {recurrentWeights} elements; expected 3H*H = {s.GateSize * s.HiddenSize}.", nameof(recurrentWeights));
        int state = s.Batch * s.HiddenSize;
        if (initialHidden != 0 && initialHidden != state)
            throw new ArgumentException($"initialHidden has {initialHidden} elements; expected N*H = {state} or none.", nameof(initialHidden));
        SequenceLengths.Validate(lengths, s.Batch, s.Steps);
        if (hidden != s.Steps * state)
            throw new ArgumentException($"hidden has {hidden} elements; expected T*N*H = {s.Steps * state}.", nameof(hidden));
        if (cache != CacheSize(s))
            throw new ArgumentException($"cache has {cache} elements; expected T*N*4H = {CacheSize(s)}.", nameof(cache));
    }
}
