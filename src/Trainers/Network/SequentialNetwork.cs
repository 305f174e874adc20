using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Trainers.Network.Layers;
using MLNet.Extensions.Trainers.Network.Specs;

namespace MLNet.Extensions.Trainers.Network;

/// <summary>
/// A stack of layers over one flat <see cref="ParameterBuffer"/>. The network itself is immutable once built and holds
/// no per-batch memory: callers bring a <see cref="SequentialWorkspace"/>, so several threads can score with one network.
/// </summary>
internal sealed class SequentialNetwork
{
    private readonly Layer[] _layers;
    private readonly int[] _parameterOffsets;
    private readonly int[] _stateOffsets;
    private readonly int[] _packedOffsets;
    // Which of the workspace's two gradient buffers holds d(loss)/d(activation i): they alternate layer by layer, except
    // across a layer whose backward does nothing (a flatten, a ReLU whose backward the next layer does): its input and
    // output gradients are one buffer.
    private readonly int[] _gradientSlot;
    // For a layer that computes the pool after it as it stores (batch norm before a 2x2 max pool): that pool's index, else -1.
    private readonly int[] _fusedPool;
    private readonly bool[] _forwardDoneBefore;

    public SequentialNetwork(TensorShape inputShape, IEnumerable<LayerSpec> specs, int trailingFeatures = 0)
    {
        InputShape = inputShape;
        TrailingFeatures = trailingFeatures;
        var layers = new List<Layer>();
        TensorShape shape = inputShape;
        int position = 0;
        long parameters = 0, state = 0;
        foreach (LayerSpec spec in specs)
        {
            Layer layer;
            try
            {
                spec.Validate();
                layer = spec.Build(shape, trailingFeatures);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Layer {position} ({spec}) on input {shape}: {e.Message}", e.ParamName, e);
            }
            if (layer.OutputShape.Channels <= 0 || layer.OutputShape.Height <= 0 || layer.OutputShape.Width <= 0)
                throw new ArgumentException($"Layer {position} ({spec}) turns input {shape} into an empty output {layer.OutputShape}.");
            if (layer.OutputShape.LongSize > int.MaxValue)
                throw new ArgumentException($"Layer {position} ({spec}) turns input {shape} into {layer.OutputShape.LongSize:N0} floats per sample, more than a network can hold.");
            parameters += layer.ParameterCount;
            state += layer.StateCount;
            if (parameters > int.MaxValue || state > int.MaxValue)
                throw new ArgumentException($"Layer {position} ({spec}) brings the network to more than {int.MaxValue:N0} parameters.");
            layers.Add(layer);
            shape = layer.OutputShape;
            position++;
        }
        _layers = layers.ToArray();
        // A ReLU right after a layer that can rectify its own output shares that output's buffer (SequentialWorkspace).
        for (int i = 1; i < _layers.Length; i++)
        {
            if (_layers[i] is ActivationLayer { IsRelu: true } relu && _layers[i - 1].FuseFollowingRelu())
                relu.ApplyInPrecedingLayer();
        }
        for (int i = 0; i + 1 < _layers.Length; i++)
        {
            if (_layers[i] is ActivationLayer { IsRelu: true } relu && _layers[i + 1].FusePrecedingReluBackward())
                relu.ApplyBackwardInFollowingLayer();
        }
        _fusedPool = new int[_layers.Length];
        _forwardDoneBefore = new bool[_layers.Length];
        for (int i = 0; i < _layers.Length; i++)
        {
            _fusedPool[i] = -1;
            int next = i + 1;
            if (next < _layers.Length && _layers[next] is ActivationLayer { IsRelu: true } && _layers[next].OutputIsInput)
                next++;
            if (next < _layers.Length && _layers[next] is PoolingLayer pool && _layers[i].FuseFollowingPool(pool))
            {
                _fusedPool[i] = next;
                _forwardDoneBefore[next] = true;
            }
        }
        _gradientSlot = new int[_layers.Length + 1];
        _gradientSlot[_layers.Length] = _layers.Length % 2;
        for (int i = _layers.Length - 1; i >= 0; i--)
        {
            _gradientSlot[i] = _layers[i].BackwardIsNoOp ? _gradientSlot[i + 1] : 1 - _gradientSlot[i + 1];
        }
        _parameterOffsets = new int[_layers.Length + 1];
        _stateOffsets = new int[_layers.Length + 1];
        _packedOffsets = new int[_layers.Length + 1];
        for (int i = 0; i < _layers.Length; i++)
        {
            _parameterOffsets[i + 1] = _parameterOffsets[i] + _layers[i].ParameterCount;
            _stateOffsets[i + 1] = _stateOffsets[i] + _layers[i].StateCount;
            _packedOffsets[i + 1] = checked(_packedOffsets[i] + _layers[i].PackedParameterSize);
        }
        OutputShape = shape;
    }

    /// <summary>Whether layer <paramref name="i"/>'s output is its input's buffer (a ReLU applied by the layer before, a flatten).</summary>
    internal bool WritesInPlace(int i) => _layers[i].OutputIsInput;

    /// <summary>Shape of one input sample.</summary>
    public TensorShape InputShape { get; }

    /// <summary>Per-sample values that travel beside the input to the layer that appends them.</summary>
    public int TrailingFeatures { get; }

    /// <summary>Shape of one output sample.</summary>
    public TensorShape OutputShape { get; }

    /// <summary>The layers, first applied first.</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>Total trained floats.</summary>
    public int ParameterCount => _parameterOffsets[^1];

    /// <summary>Total non-trained state floats.</summary>
    public int StateCount => _stateOffsets[^1];

    /// <summary>
    /// Floats a <see cref="SequentialWorkspace"/> for <paramref name="batch"/> samples allocates (activations, gradients,
    /// caches, scratch), estimated in <see cref="long"/> from one sample's needs so it cannot overflow: what loading and
    /// option checks compare against a memory bound before anything that large is allocated.
    /// </summary>
    public long WorkspaceFloats(int batch)
    {
        long perSample = InputShape.Size + TrailingFeatures, widest = InputShape.Size, scratch = 0;
        foreach (Layer layer in _layers)
        {
            perSample += layer.OutputShape.Size + (long)layer.CacheSize(1) + layer.IndexCacheSize(1);
            widest = Math.Max(widest, layer.OutputShape.Size);
            scratch = Math.Max(scratch, layer.WorkspaceSize(1));
        }
        return (perSample + 2 * widest + scratch) * Math.Max(1, batch);
    }

    /// <summary>Floats of every layer's parameters repacked once per batch (<see cref="Layer.PackParameters"/>), layer after layer.</summary>
    public int PackedParameterCount => _packedOffsets[^1];

    /// <summary>Writes share <paramref name="part"/> of <paramref name="parts"/> of layer <paramref name="i"/>'s slice of <paramref name="packed"/>.</summary>
    internal void PackParameters(int i, ReadOnlySpan<float> parameters, Span<float> packed, bool training, int part, int parts) =>
        _layers[i].PackParameters(parameters.Slice(_parameterOffsets[i], _layers[i].ParameterCount),
            packed.Slice(_packedOffsets[i], _layers[i].PackedParameterSize), training, part, parts);

    /// <summary>Offset of layer <paramref name="index"/>'s parameters in the flat buffer.</summary>
    public int ParameterOffset(int index) => _parameterOffsets[index];

    /// <summary>Every named parameter block with absolute offsets, e.g. "2.weight".</summary>
    public IEnumerable<ParameterBlock> ParameterBlocks()
    {
        for (int i = 0; i < _layers.Length; i++)
        {
            foreach (ParameterBlock block in _layers[i].ParameterBlocks)
                yield return block with { Name = $"{i}.{block.Name}", Offset = block.Offset + _parameterOffsets[i] };
        }
    }

    /// <summary>Draws initial parameters for every layer from <paramref name="random"/>, first layer first.</summary>
    public void Initialize(ParameterBuffer buffer, ref KernelRandom random)
    {
        for (int i = 0; i < _layers.Length; i++)
        {
            _layers[i].Initialize(
                buffer.Values.AsSpan(_parameterOffsets[i], _layers[i].ParameterCount),
                buffer.State.AsSpan(_stateOffsets[i], _layers[i].StateCount), ref random);
        }
    }

    /// <summary>
    /// Runs every layer on the first <paramref name="batch"/> samples of <see cref="SequentialWorkspace.Input"/> (with their
    /// <see cref="SequentialWorkspace.Steps"/> and trailing features); returns the output (N, OutputShape.Size).
    /// Training mode updates running statistics in <paramref name="state"/>.
    /// </summary>
    public ReadOnlySpan<float> Forward(SequentialWorkspace workspace, int batch, ReadOnlySpan<float> parameters,
        Span<float> state, bool training)
    {
        workspace.EnsureCapacity(batch);
        for (int i = 0; i < _layers.Length; i++)
            ForwardLayer(workspace, i, batch, parameters, state, training, sharedStatistics: false);
        return Output(workspace, batch);
    }

    /// <summary>
    /// Backpropagates <paramref name="dOutput"/> (N, OutputShape.Size) through the batch of the last training forward,
    /// accumulating into <paramref name="gradients"/>. The input gradient is not computed.
    /// </summary>
    public void Backward(SequentialWorkspace workspace, int batch, ReadOnlySpan<float> parameters, Span<float> gradients,
        Span<float> state, ReadOnlySpan<float> dOutput)
    {
        BeginBackward(workspace, dOutput);
        for (int i = _layers.Length - 1; i >= 0; i--)
            BackwardLayer(workspace, i, batch, parameters, gradients, state, sharedStatistics: false);
    }

    /// <summary>The network's output for the last forward of <paramref name="batch"/> samples (N, OutputShape.Size).</summary>
    internal ReadOnlySpan<float> Output(SequentialWorkspace workspace, int batch) =>
        workspace.Activation(_layers.Length)[..(batch * OutputShape.Size)];

    /// <summary>
    /// Runs layer <paramref name="i"/> on the workspace's batch (its steps first, then its forward), with the parameters
    /// <paramref name="packed"/> holds for it when that is not empty (<see cref="PackParameters"/>).
    /// </summary>
    internal void ForwardLayer(SequentialWorkspace workspace, int i, int batch, ReadOnlySpan<float> parameters, Span<float> state,
        bool training, bool sharedStatistics, ReadOnlySpan<float> packed = default)
    {
        Layer layer = _layers[i];
        layer.MapSteps(workspace.StepsAt(i)[..batch], workspace.StepsAt(i + 1)[..batch]);
        LayerContext context = Context(workspace, i, batch, training, parameters, Span<float>.Empty, state);
        context.PackedParameters = PackedSlice(i, packed);
        if (_fusedPool[i] >= 0)
        {
            FusedPool(workspace, i, batch, ref context);
            // Only a sub-batch's forward with the whole batch's statistics keeps what the fused backward reads.
            context.PoolBackwardHere = workspace.PoolBackwardInLayerBefore[_fusedPool[i]] = training && sharedStatistics;
        }
        context.ForwardDoneBefore = _forwardDoneBefore[i];
        context.SharedStatistics = sharedStatistics;
        layer.Forward(ref context, workspace.Activation(i)[..(batch * layer.InputShape.Size)],
            workspace.Activation(i + 1)[..(batch * layer.OutputShape.Size)]);
    }

    /// <summary>This sub-batch's share of layer <paramref name="i"/>'s forward sums, round <paramref name="round"/>.</summary>
    internal void ForwardPartial(SequentialWorkspace workspace, int i, int round, int batch, ReadOnlySpan<float> parameters,
        Span<float> state, Span<double> partial)
    {
        Layer layer = _layers[i];
        layer.MapSteps(workspace.StepsAt(i)[..batch], workspace.StepsAt(i + 1)[..batch]);
        LayerContext context = Context(workspace, i, batch, true, parameters, Span<float>.Empty, state);
        layer.ForwardPartial(round, ref context, workspace.Activation(i)[..(batch * layer.InputShape.Size)], partial);
    }

    /// <summary>Combines every sub-batch's forward sums of layer <paramref name="i"/> into this sub-batch's cache.</summary>
    internal void ForwardCombine(SequentialWorkspace workspace, int i, int round, int batch, ReadOnlySpan<float> parameters,
        Span<float> state, ReadOnlySpan<double> partials, int wholeBatch, bool first)
    {
        LayerContext context = Context(workspace, i, batch, true, parameters, Span<float>.Empty, state);
        _layers[i].ForwardCombine(round, ref context, partials, wholeBatch, first);
    }

    /// <summary>This sub-batch's share of layer <paramref name="i"/>'s backward sums.</summary>
    internal void BackwardPartial(SequentialWorkspace workspace, int i, int round, int batch, ReadOnlySpan<float> parameters,
        Span<float> gradients, Span<float> state, Span<double> partial)
    {
        Layer layer = _layers[i];
        LayerContext context = Context(workspace, i, batch, true, parameters, gradients, state);
        FusedPoolBackward(workspace, i, batch, ref context);
        layer.BackwardPartial(round, ref context, workspace.Activation(i)[..(batch * layer.InputShape.Size)],
            workspace.Gradient(_gradientSlot[i + 1])[..(batch * layer.OutputShape.Size)], partial);
    }

    /// <summary>Combines every sub-batch's backward sums of layer <paramref name="i"/>.</summary>
    internal void BackwardCombine(SequentialWorkspace workspace, int i, int round, int batch, ReadOnlySpan<float> parameters,
        Span<float> gradients, Span<float> state, ReadOnlySpan<double> partials, int wholeBatch, bool first)
    {
        LayerContext context = Context(workspace, i, batch, true, parameters, gradients, state);
        _layers[i].BackwardCombine(round, ref context, partials, wholeBatch, first);
    }

    /// <summary>Puts d(loss)/d(output) where the last layer's backward reads it.</summary>
    internal void BeginBackward(SequentialWorkspace workspace, ReadOnlySpan<float> dOutput) =>
        dOutput.CopyTo(workspace.Gradient(_gradientSlot[_layers.Length])[..dOutput.Length]);

    /// <summary>One training forward and backward with each layer timed, in milliseconds (for profiling, not training).</summary>
    internal (double Forward, double Backward)[] ProfiledStep(SequentialWorkspace workspace, int batch, ParameterBuffer buffer,
        ReadOnlySpan<float> dOutput)
    {
        var timing = new (double Forward, double Backward)[_layers.Length];
        workspace.EnsureCapacity(batch);
        for (int i = 0; i < _layers.Length; i++)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            _layers[i].MapSteps(workspace.StepsAt(i)[..batch], workspace.StepsAt(i + 1)[..batch]);
            LayerContext context = Context(workspace, i, batch, true, buffer.Values, Span<float>.Empty, buffer.State);
            _layers[i].Forward(ref context, workspace.Activation(i)[..(batch * _layers[i].InputShape.Size)],
                workspace.Activation(i + 1)[..(batch * _layers[i].OutputShape.Size)]);
            timing[i].Forward = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        dOutput.CopyTo(workspace.Gradient(_gradientSlot[_layers.Length]));
        for (int i = _layers.Length - 1; i >= 0; i--)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            BackwardLayer(workspace, i, batch, buffer.Values, buffer.Gradients, buffer.State, sharedStatistics: false);
            timing[i].Backward = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return timing;
    }

    /// <summary>
    /// Backpropagates layer <paramref name="i"/> (the input gradient only when a layer below needs it). With a
    /// <paramref name="stash"/>, a layer that computes a gradient once per whole batch leaves this sub-batch's share in it
    /// from sample <paramref name="stashStart"/> on.
    /// </summary>
    internal void BackwardLayer(SequentialWorkspace workspace, int i, int batch, ReadOnlySpan<float> parameters,
        Span<float> gradients, Span<float> state, bool sharedStatistics, ReadOnlySpan<float> packed = default,
        Span<float> stash = default, int stashStart = 0)
    {
        Layer layer = _layers[i];
        if (_forwardDoneBefore[i] && workspace.PoolBackwardInLayerBefore[i])
            return;
        Span<float> dInput = i == 0 ? Span<float>.Empty : workspace.Gradient(_gradientSlot[i])[..(batch * layer.InputShape.Size)];
        LayerContext context = Context(workspace, i, batch, true, parameters, gradients, state);
        FusedPoolBackward(workspace, i, batch, ref context);
        context.SharedStatistics = sharedStatistics;
        context.PackedParameters = PackedSlice(i, packed);
        context.WholeBatchStash = stash;
        context.WholeBatchStart = stashStart;
        layer.Backward(ref context,
            workspace.Activation(i)[..(batch * layer.InputShape.Size)],
            workspace.Activation(i + 1)[..(batch * layer.OutputShape.Size)],
            workspace.Gradient(_gradientSlot[i + 1])[..(batch * layer.OutputShape.Size)], dInput);
    }

    private void FusedPool(SequentialWorkspace workspace, int i, int batch, ref LayerContext context)
    {
        int pool = _fusedPool[i], pooled = batch * _layers[pool].OutputShape.Size;
        context.PooledOutput = workspace.Activation(pool + 1)[..pooled];
        context.PooledIndices = workspace.IndexCache(pool)[..pooled];
    }

    // The pool's output gradient, winners and output for a layer that does its fused pool's backward.
    private void FusedPoolBackward(SequentialWorkspace workspace, int i, int batch, ref LayerContext context)
    {
        if (_fusedPool[i] < 0 || !workspace.PoolBackwardInLayerBefore[_fusedPool[i]])
            return;
        int pool = _fusedPool[i];
        FusedPool(workspace, i, batch, ref context);
        context.PoolBackwardHere = true;
        context.PooledGradient = workspace.Gradient(_gradientSlot[pool + 1])[..(batch * _layers[pool].OutputShape.Size)];
    }

    private ReadOnlySpan<float> PackedSlice(int i, ReadOnlySpan<float> packed) =>
        packed.IsEmpty ? ReadOnlySpan<float>.Empty : packed.Slice(_packedOffsets[i], _layers[i].PackedParameterSize);

    private LayerContext Context(SequentialWorkspace workspace, int index, int batch, bool training,
        ReadOnlySpan<float> parameters, Span<float> gradients, Span<float> state)
    {
        Layer layer = _layers[index];
        return new LayerContext
        {
            Batch = batch,
            Training = training,
            Parameters = parameters.Slice(_parameterOffsets[index], layer.ParameterCount),
            Gradients = gradients.IsEmpty ? Span<float>.Empty : gradients.Slice(_parameterOffsets[index], layer.ParameterCount),
            State = state.Slice(_stateOffsets[index], layer.StateCount),
            Cache = workspace.Cache(index),
            IndexCache = workspace.IndexCache(index),
            Workspace = workspace.Scratch,
            Steps = workspace.StepsAt(index)[..batch],
            TrailingFeatures = workspace.Trailing[..(batch * TrailingFeatures)],
            Random = ref workspace.Random,
        };
    }
}
