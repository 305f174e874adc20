using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Trainers.Network.Layers;

/// <summary>
/// One stage of a network. A layer owns no buffers: parameters, gradients, caches and scratch are slices of flat
/// buffers handed in through <see cref="LayerContext"/>, so one trained network can serve many threads and the whole
/// gradient of a step lives in one array.
/// </summary>
internal abstract class Layer
{
    protected Layer(TensorShape inputShape, TensorShape outputShape)
    {
        InputShape = inputShape;
        OutputShape = outputShape;
    }

    /// <summary>Shape of one input sample.</summary>
    public TensorShape InputShape { get; }

    /// <summary>Shape of one output sample.</summary>
    public TensorShape OutputShape { get; }

    /// <summary>
    /// Asks the layer to apply a ReLU to its own output as it stores it, because a ReLU follows it; true when it will,
    /// and the network then lets that ReLU layer share this layer's output buffer and skip its forward pass.
    /// </summary>
    public virtual bool FuseFollowingRelu() => false;

    /// <summary>
    /// Asks the layer to do the backward of the ReLU right before it inside its own backward; true when it will, and the
    /// network then hands that ReLU's input gradient buffer to this layer and skips the ReLU's backward pass.
    /// </summary>
    public virtual bool FusePrecedingReluBackward() => false;

    /// <summary>
    /// Asks the layer to store, instead of its own output, the output of <paramref name="pool"/> that comes right after
    /// it (or after a ReLU it applies itself); true when it will, and the network then hands it that pool's output and
    /// winners (<see cref="LayerContext.PooledOutput"/>) and skips the pool's forward pass. Nothing may read this
    /// layer's own output then, as the pool's backward and this layer's do not. Where the context says
    /// <see cref="LayerContext.PoolBackwardHere"/>, the layer also does the pool's backward inside its own.
    /// </summary>
    public virtual bool FuseFollowingPool(PoolingLayer pool) => false;

    /// <summary>Whether the layer's output is its input as it stands (or as the layer before already rectified it), so the two share a buffer and forward does nothing.</summary>
    public virtual bool OutputIsInput => false;

    /// <summary>Whether the layer's input gradient is its output gradient as it stands, so the two may share a buffer and backward does nothing.</summary>
    public virtual bool BackwardIsNoOp => false;

    /// <summary>Trained floats.</summary>
    public virtual int ParameterCount => 0;

    /// <summary>Non-trained floats saved with the model.</summary>
    public virtual int StateCount => 0;

    /// <summary>Floats kept from forward to backward for a batch of <paramref name="batch"/>.</summary>
    public virtual int CacheSize(int batch) => 0;

    /// <summary>Ints kept from forward to backward for a batch of <paramref name="batch"/>.</summary>
    public virtual int IndexCacheSize(int batch) => 0;

    /// <summary>Scratch floats one call needs for a batch of <paramref name="batch"/>.</summary>
    public virtual int WorkspaceSize(int batch) => 0;

    /// <summary>Named blocks of <see cref="ParameterCount"/>, in order; weight decay applies only where <c>Decay</c> is set.</summary>
    public virtual IEnumerable<ParameterBlock> ParameterBlocks => [];

    /// <summary>A short human description, e.g. "conv 16@5x5 stride 1 pad 2".</summary>
    public abstract string Description { get; }

    /// <summary>
    /// Used output steps per sample from used input steps. The default keeps them when the layer keeps the sequence's
    /// length, and otherwise (a layer that makes a sequence from an image) counts every output step as used; layers that
    /// change a sequence's length (strided convolution, pooling) map each sample's own count.
    /// </summary>
    public virtual void MapSteps(ReadOnlySpan<int> inputSteps, Span<int> outputSteps)
    {
        if (InputShape.IsSequence && OutputShape.IsSequence && InputShape.Steps == OutputShape.Steps)
            inputSteps.CopyTo(outputSteps);
        else
            outputSteps.Fill(OutputShape.Steps);
    }

    /// <summary>
    /// Rounds of whole-batch sums a training forward needs when the batch runs as several sub-batches (batch norm: the
    /// mean, then the variance around it); 0 for layers that treat each sample on its own.
    /// </summary>
    public virtual int ForwardSumRounds => 0;

    /// <summary>Rounds of whole-batch sums the backward of a split batch needs (batch norm: one, for the means of dy and dy·x̂).</summary>
    public virtual int BackwardSumRounds => 0;

    /// <summary>Doubles one sub-batch contributes to one round of sums.</summary>
    public virtual int SumSize => 0;

    /// <summary>This sub-batch's share of forward round <paramref name="round"/>: partial (<see cref="SumSize"/>) := its sums.</summary>
    public virtual void ForwardPartial(int round, ref LayerContext context, ReadOnlySpan<float> input, Span<double> partial)
    {
    }

    /// <summary>
    /// Adds up every sub-batch's partial of forward round <paramref name="round"/> (parts × <see cref="SumSize"/>, in
    /// sub-batch order, of a batch of <paramref name="wholeBatch"/> samples) and keeps what this sub-batch's
    /// <see cref="Forward"/> needs in its cache; the <paramref name="first"/> sub-batch alone also moves the state.
    /// </summary>
    public virtual void ForwardCombine(int round, ref LayerContext context, ReadOnlySpan<double> partials, int wholeBatch, bool first)
    {
    }

    /// <summary>This sub-batch's share of backward round <paramref name="round"/>.</summary>
    public virtual void BackwardPartial(int round, ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> dOutput,
        Span<double> partial)
    {
    }

    /// <summary>
    /// Adds up every sub-batch's partial of backward round <paramref name="round"/> and keeps what this sub-batch's
    /// <see cref="Backward"/> needs; gradients that are whole-batch sums go to the <paramref name="first"/> sub-batch's buffer only.
    /// </summary>
    public virtual void BackwardCombine(int round, ref LayerContext context, ReadOnlySpan<double> partials, int wholeBatch, bool first)
    {
    }

    /// <summary>Floats of the layer's parameters repacked for its kernels once per batch (<see cref="PackParameters"/>); 0 when it reads them as stored.</summary>
    public virtual int PackedParameterSize => 0;

    /// <summary>
    /// Writes share <paramref name="part"/> of <paramref name="parts"/> of the packed copy of <paramref name="parameters"/>
    /// that <see cref="LayerContext.PackedParameters"/> then hands to every sub-batch's forward (and, when
    /// <paramref name="training"/>, backward): one pack per batch instead of one per sub-batch and product.
    /// </summary>
    public virtual void PackParameters(ReadOnlySpan<float> parameters, Span<float> packed, bool training, int part, int parts)
    {
    }

    /// <summary>
    /// Floats kept for a whole batch of <paramref name="batch"/> samples so that a parameter gradient is computed once per
    /// batch (<see cref="AccumulateWholeBatchGradient"/>) instead of once per sub-batch and then added up; 0 for none.
    /// </summary>
    public virtual int WholeBatchStashSize(int batch) => 0;

    /// <summary>The slice of this layer's gradients (offset, length) that <see cref="AccumulateWholeBatchGradient"/> computes.</summary>
    public virtual (int Offset, int Length) WholeBatchGradientRange => (0, 0);

    /// <summary>
    /// Share <paramref name="part"/> of <paramref name="parts"/> of the whole-batch gradient: gradients (this layer's
    /// slice) += the gradient of the <paramref name="batch"/> samples each sub-batch's backward left in the stash. Every
    /// share must give the same floats for any <paramref name="parts"/>.
    /// </summary>
    public virtual void AccumulateWholeBatchGradient(ReadOnlySpan<float> stash, int batch, Span<float> gradients, int part, int parts)
    {
    }

    /// <summary>Draws initial parameters and resets state.</summary>
    public virtual void Initialize(Span<float> parameters, Span<float> state, ref KernelRandom random)
    {
    }

    /// <summary>output (N, out) := layer(input (N, in)).</summary>
    public abstract void Forward(ref LayerContext context, ReadOnlySpan<float> input, Span<float> output);

    /// <summary>
    /// dInput (N, in) := gradient w.r.t. the input (overwritten; empty when nobody needs it);
    /// parameter gradients accumulate into <see cref="LayerContext.Gradients"/>.
    /// </summary>
    public abstract void Backward(ref LayerContext context, ReadOnlySpan<float> input, ReadOnlySpan<float> output,
        ReadOnlySpan<float> dOutput, Span<float> dInput);
}
