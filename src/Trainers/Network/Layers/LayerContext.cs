using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>Everything one layer call needs besides its input and output: its slices of the flat buffers and the batch size.</summary>
internal ref struct LayerContext
{
    /// <summary>Samples in this batch.</summary>
    public int Batch;
    /// <summary>True while training: dropout drops, batch norm uses batch statistics.</summary>
    public bool Training;
    /// <summary>
    /// True when this batch is one sub-batch of a larger one and the layer's combine steps have already left the whole
    /// batch's statistics in <see cref="Cache"/> (see <see cref="Layer.ForwardSumRounds"/>).
    /// </summary>
    public bool SharedStatistics;
    /// <summary>This layer's trained parameters.</summary>
    public ReadOnlySpan<float> Parameters;
    /// <summary>This layer's parameters as <see cref="Layer.PackParameters"/> packed them for this batch, or empty: read them as stored.</summary>
    public ReadOnlySpan<float> PackedParameters;
    /// <summary>
    /// The whole batch's stash (<see cref="Layer.WholeBatchStashSize"/>) when a gradient is computed once per batch: backward
    /// leaves this sub-batch's share in it, from sample <see cref="WholeBatchStart"/> on, instead of computing that gradient. Empty otherwise.
    /// </summary>
    public Span<float> WholeBatchStash;
    /// <summary>This sub-batch's first sample in the whole batch.</summary>
    public int WholeBatchStart;
    /// <summary>
    /// The following pool's output (and below, its winners) when this layer pools as it stores (<see cref="Layer.FuseFollowingPool"/>);
    /// empty otherwise, and then the layer writes its own output.
    /// </summary>
    public Span<float> PooledOutput;
    /// <summary>The following pool's winners, beside <see cref="PooledOutput"/>.</summary>
    public Span<int> PooledIndices;
    /// <summary>
    /// Set on a layer with a fused pool, in a training forward with shared statistics and in the backward after it: that
    /// layer does the pool's backward inside its own (reading <see cref="PooledGradient"/>), and the pool's is skipped.
    /// </summary>
    public bool PoolBackwardHere;
    /// <summary>The following pool's output gradient, when <see cref="PoolBackwardHere"/> (backward only).</summary>
    public ReadOnlySpan<float> PooledGradient;
    /// <summary>True when the layer before already wrote this layer's output and winners (a pool fused into it), so forward does nothing.</summary>
    public bool ForwardDoneBefore;
    /// <summary>This layer's slice of the flat gradient buffer; backward accumulates into it.</summary>
    public Span<float> Gradients;
    /// <summary>This layer's non-trained state saved with the model (batch norm's running statistics).</summary>
    public Span<float> State;
    /// <summary>Floats this layer keeps from forward to backward (dropout mask, batch statistics).</summary>
    public Span<float> Cache;
    /// <summary>Indices this layer keeps from forward to backward (max-pool winners).</summary>
    public Span<int> IndexCache;
    /// <summary>Scratch space valid only during one call.</summary>
    public Span<float> Workspace;
    /// <summary>Used steps of each sample's sequence input (right-padded beyond); full length for fixed-length input.</summary>
    public ReadOnlySpan<int> Steps;
    /// <summary>Each sample's trailing features (N, E), read by the layer that appends them.</summary>
    public ReadOnlySpan<float> TrailingFeatures;
    /// <summary>The network's generator, for dropout.</summary>
    public ref KernelRandom Random;
}
