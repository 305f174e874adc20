using System.Numerics;
using MLNet.Extensions.Kernels.Threading;

namespace MLNet.Extensions.Trainers.Network;

/// <summary>
/// Runs a <see cref="NeuralNetwork"/>'s batches data-parallel: a batch is cut into sub-batches of
/// <see cref="SubBatchSize"/> samples (the last one shorter), each with its own <see cref="SequentialWorkspace"/>,
/// dropout generator and gradient buffer, and one <see cref="KernelParallel.Together"/> region per forward and per
/// backward hands contiguous runs of sub-batches to the threads; kernels inside run inline. The cut depends only on the
/// batch, each sub-batch's gradient is computed by the same kernel calls on any thread, and the gradients are added in
/// sub-batch order, so a step gives bit for bit the same parameters for any thread count. Layers that need whole-batch
/// sums (batch norm) add per-sub-batch partials in sub-batch order between barriers (<see cref="Layers.Layer.ForwardSumRounds"/>).
/// Layers that repack their parameters do it once per batch, every thread packing a share; a layer whose gradient is one
/// product over the batch (a dense layer's weights) computes it once, split over the gradient's elements, instead of per
/// sub-batch and then added up.
/// </summary>
internal sealed class DataParallelNetwork
{
    /// <summary>
    /// Samples per sub-batch: small enough to spread a batch of 64 over four cores, large enough that a dense layer's
    /// GEMM or an LSTM step still streams its weights for sixteen rows at a time.
    /// </summary>
    public const int SubBatchSize = 16;

    private readonly NeuralNetwork _network;
    private readonly SequentialNetwork _sequential;
    private readonly SequentialWorkspace[] _workspaces;
    private readonly float[][] _gradients;
    // One slot of partial sums per (layer, round), forward and backward, so no round overwrites one a slower thread still reads.
    private readonly double[][] _forwardPartials;
    private readonly double[][] _backwardPartials;
    private readonly int[] _forwardSlot;
    private readonly int[] _backwardSlot;
    private readonly float[] _outputs;
    private readonly float[] _dOutputs;
    private readonly Action<int, KernelBarrier> _forward;
    private readonly Action<int, KernelBarrier> _backward;
    private readonly float[] _packed;
    private readonly int[] _packingLayers;
    private readonly float[][] _stashes;
    private readonly int[] _wholeBatchLayers;
    // The parameter ranges whose gradients the sub-batches compute on their own and the reduction adds up (all but the whole-batch ones).
    private readonly (int Offset, int Length)[] _reducedRanges;
    private readonly int _reducedLength;
    // The sub-batch gradient copies are all zero (the reduction clears them as it adds them); false after a backward that did not finish.
    private bool _copiesClear = true;

    // The call in flight, read by every participant.
    private float[] _rows = [];
    private int[] _lengths = [];
    private int _count;
    private int _parts;
    private int _participants;
    private bool _training;
    private int _trainedCount = -1;

    public DataParallelNetwork(NeuralNetwork network, int capacity, ulong seed)
    {
        if (capacity < 1)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "Expected a batch capacity of at least 1.");
        _network = network;
        _sequential = network.Sequential;
        Capacity = capacity;
        int parts = PartsOf(capacity);
        _workspaces = new SequentialWorkspace[parts];
        _gradients = new float[parts][];
        for (int part = 0; part < parts; part++)
        {
            // Sub-batch 0 keeps the network's seed; the others draw their own, fixed, streams.
            _workspaces[part] = network.CreateWorkspace(Math.Min(SubBatchSize, capacity), seed + (ulong)part * 0x9E3779B97F4A7C15UL);
            _gradients[part] = part == 0 ? network.Buffer.Gradients : new float[network.Buffer.Gradients.Length];
        }
        var layers = _sequential.Layers;
        _forwardSlot = new int[layers.Count];
        _backwardSlot = new int[layers.Count];
        var forward = new List<double[]>();
        var backward = new List<double[]>();
        for (int i = 0; i < layers.Count; i++)
        {
            _forwardSlot[i] = forward.Count;
            _backwardSlot[i] = backward.Count;
            for (int round = 0; round < layers[i].ForwardSumRounds; round++)
                forward.Add(new double[parts * layers[i].SumSize]);
            for (int round = 0; round < layers[i].BackwardSumRounds; round++)
                backward.Add(new double[parts * layers[i].SumSize]);
        }
        _forwardPartials = forward.ToArray();
        _backwardPartials = backward.ToArray();
        _packed = new float[_sequential.PackedParameterCount];
        _packingLayers = Enumerable.Range(0, layers.Count).Where(i => layers[i].PackedParameterSize > 0).ToArray();
        _stashes = new float[layers.Count][];
        var reduced = new List<(int Offset, int Length)>();
        int reducedFrom = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            int stash = parts > 1 ? layers[i].WholeBatchStashSize(capacity) : 0;
            _stashes[i] = stash > 0 ? new float[stash] : [];
            if (stash == 0)
                continue;
            (int offset, int length) = layers[i].WholeBatchGradientRange;
            int start = _sequential.ParameterOffset(i) + offset;
            reduced.Add((reducedFrom, start - reducedFrom));
            reducedFrom = start + length;
        }
        reduced.Add((reducedFrom, network.Buffer.Gradients.Length - reducedFrom));
        _reducedRanges = reduced.Where(r => r.Length > 0).ToArray();
        _reducedLength = _reducedRanges.Sum(r => r.Length);
        _wholeBatchLayers = Enumerable.Range(0, layers.Count).Where(i => _stashes[i].Length > 0).ToArray();
        _outputs = new float[capacity * network.OutputSize];
        _dOutputs = new float[capacity * network.OutputSize];
        _forward = ForwardShare;
        _backward = BackwardShare;
    }

    /// <summary>Largest batch.</summary>
    public int Capacity { get; }

    /// <summary>
    /// Runs <paramref name="count"/> feature rows (each <see cref="InputLayout.Size"/> floats apart, the first
    /// <paramref name="lengths"/>[n] used); returns the outputs (N, OutputSize). Training mode keeps what backward needs.
    /// </summary>
    public ReadOnlySpan<float> Forward(float[] rows, int[] lengths, int count, bool training)
    {
        if ((uint)(count - 1) >= (uint)Capacity)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Expected 1 to {Capacity} samples.");
        _rows = rows;
        _lengths = lengths;
        _count = count;
        _training = training;
        _parts = PartsOf(count);
        _participants = Math.Min(_parts, KernelThreadScope.CurrentThreadCount);
        _trainedCount = -1;
        KernelParallel.Together(_participants, _forward);
        _trainedCount = training ? count : -1;
        return _outputs.AsSpan(0, count * _network.OutputSize);
    }

    /// <summary>
    /// Accumulates into the network's gradient buffer the gradient of the last training forward given d(loss)/d(outputs)
    /// (N, OutputSize): each sub-batch into its own buffer, then added in sub-batch order.
    /// </summary>
    public void Backward(ReadOnlySpan<float> dOutputs)
    {
        if (_trainedCount < 0)
            throw new InvalidOperationException("Backward needs a training forward first.");
        if (dOutputs.Length != _trainedCount * _network.OutputSize)
            throw new ArgumentException($"dOutputs has {dOutputs.Length} elements; expected {_trainedCount * _network.OutputSize}.", nameof(dOutputs));
        dOutputs.CopyTo(_dOutputs);
        try
        {
            KernelParallel.Together(_participants, _backward);
        }
        catch
        {
            _copiesClear = false;
            throw;
        }
        _copiesClear = true;
    }

    private static int PartsOf(int count) => (count + SubBatchSize - 1) / SubBatchSize;

    private int PartStart(int part) => part * SubBatchSize;

    private int PartCount(int part) => Math.Min(SubBatchSize, _count - part * SubBatchSize);

    // Participant p runs sub-batches [first, end): contiguous, as even as possible.
    private (int First, int End) PartsOfParticipant(int participant) =>
        (_parts * participant / _participants, _parts * (participant + 1) / _participants);

    private void ForwardShare(int participant, KernelBarrier barrier)
    {
        var (first, end) = PartsOfParticipant(participant);
        InputLayout layout = _network.Layout;
        ParameterBuffer buffer = _network.Buffer;
        foreach (int i in _packingLayers)
            _sequential.PackParameters(i, buffer.Values, _packed, _training, participant, _participants);
        for (int part = first; part < end; part++)
        {
            int start = PartStart(part);
            _network.Load(_workspaces[part], _rows.AsSpan(start * layout.Size), _lengths.AsSpan(start), PartCount(part));
        }
        // Every share of the packed parameters is written before any sub-batch reads them.
        if (_packingLayers.Length > 0 && _participants > 1)
            barrier.SignalAndWait(participant);
        bool split = _parts > 1;
        for (int i = 0; i < _sequential.Layers.Count; i++)
        {
            var layer = _sequential.Layers[i];
            bool shared = false;
            if (_training && split && layer.ForwardSumRounds > 0)
            {
                int size = layer.SumSize;
                for (int round = 0; round < layer.ForwardSumRounds; round++)
                {
                    double[] partials = _forwardPartials[_forwardSlot[i] + round];
                    for (int part = first; part < end; part++)
                        _sequential.ForwardPartial(_workspaces[part], i, round, PartCount(part), buffer.Values, buffer.State,
                            partials.AsSpan(part * size, size));
                    barrier.SignalAndWait(participant);
                    for (int part = first; part < end; part++)
                        _sequential.ForwardCombine(_workspaces[part], i, round, PartCount(part), buffer.Values, buffer.State,
                            partials.AsSpan(0, _parts * size), _count, first: part == 0);
                }
                shared = true;
            }
            for (int part = first; part < end; part++)
                _sequential.ForwardLayer(_workspaces[part], i, PartCount(part), buffer.Values, buffer.State, _training, shared, _packed);
        }
        int outputs = _network.OutputSize;
        for (int part = first; part < end; part++)
            _sequential.Output(_workspaces[part], PartCount(part)).CopyTo(_outputs.AsSpan(PartStart(part) * outputs));
    }

    private void BackwardShare(int participant, KernelBarrier barrier)
    {
        var (first, end) = PartsOfParticipant(participant);
        ParameterBuffer buffer = _network.Buffer;
        int outputs = _network.OutputSize;
        for (int part = first; part < end; part++)
        {
            if (part > 0 && !_copiesClear)
                Array.Clear(_gradients[part]);
            _sequential.BeginBackward(_workspaces[part], _dOutputs.AsSpan(PartStart(part) * outputs, PartCount(part) * outputs));
        }
        bool split = _parts > 1;
        for (int i = _sequential.Layers.Count - 1; i >= 0; i--)
        {
            var layer = _sequential.Layers[i];
            bool shared = false;
            if (split && layer.BackwardSumRounds > 0)
            {
                int size = layer.SumSize;
                for (int round = 0; round < layer.BackwardSumRounds; round++)
                {
                    double[] partials = _backwardPartials[_backwardSlot[i] + round];
                    for (int part = first; part < end; part++)
                        _sequential.BackwardPartial(_workspaces[part], i, round, PartCount(part), buffer.Values, _gradients[part],
                            buffer.State, partials.AsSpan(part * size, size));
                    barrier.SignalAndWait(participant);
                    for (int part = first; part < end; part++)
                        _sequential.BackwardCombine(_workspaces[part], i, round, PartCount(part), buffer.Values, _gradients[part],
                            buffer.State, partials.AsSpan(0, _parts * size), _count, first: part == 0);
                }
                shared = true;
            }
            Span<float> stash = split ? _stashes[i] : default;
            for (int part = first; part < end; part++)
                _sequential.BackwardLayer(_workspaces[part], i, PartCount(part), buffer.Values, _gradients[part], buffer.State, shared,
                    _packed, stash, PartStart(part));
        }
        if (!split)
            return;
        // Every sub-batch's share is complete: each participant computes its share of the whole-batch gradients, then adds
        // up its own run of the other parameters' gradients in sub-batch order, clearing the copies for the next step.
        barrier.SignalAndWait(participant);
        foreach (int i in _wholeBatchLayers)
            _sequential.Layers[i].AccumulateWholeBatchGradient(_stashes[i], _count,
                buffer.Gradients.AsSpan(_sequential.ParameterOffset(i), _sequential.Layers[i].ParameterCount), participant, _participants);
        int from = (int)((long)_reducedLength * participant / _participants), to = (int)((long)_reducedLength * (participant + 1) / _participants);
        int position = 0;
        foreach ((int offset, int length) in _reducedRanges)
        {
            int start = Math.Max(from, position), stop = Math.Min(to, position + length);
            if (start < stop)
            {
                Span<float> total = buffer.Gradients.AsSpan(offset + start - position, stop - start);
                for (int part = 1; part < _parts; part++)
                    AddInPlaceAndClear(total, _gradients[part].AsSpan(offset + start - position, stop - start));
            }
            position += length;
        }
    }

    private static void AddInPlaceAndClear(Span<float> total, Span<float> addend)
    {
        int i = 0;
        for (; i <= total.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            (new Vector<float>(total[i..]) + new Vector<float>(addend[i..])).CopyTo(total[i..]);
            Vector<float>.Zero.CopyTo(addend[i..]);
        }
        for (; i < total.Length; i++)
        {
            total[i] += addend[i];
            addend[i] = 0f;
        }
    }
}
