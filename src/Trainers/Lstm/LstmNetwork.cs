using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.Kernels.Layers;
using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.Kernels.Recurrent;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Layers;

namespace MLNet.Extensions.Trainers.Lstm;

/// <summary>
/// Stacked (optionally bidirectional) LSTM layers reading a batch of right-padded sequences, then a head on the last
/// hidden states (plus trailing per-sequence features): an optional ReLU dense layer and the output layer.
/// Parameter layout, one flat buffer: per layer, per direction: input weights (4H, F_l), recurrent weights (4H, H),
/// bias (4H); then dense weights (D, HeadInput) and bias (D) when D &gt; 0; then output weights (O, ·) and bias (O).
/// </summary>
internal sealed class LstmNetwork
{
    private readonly int[,] _cellOffsets;
    private readonly int _denseOffset;
    private readonly int _outputOffset;

    public LstmNetwork(LstmArchitecture architecture)
    {
        Architecture = architecture;
        LstmArchitecture a = architecture;
        _cellOffsets = new int[a.LayerCount, a.Directions];
        int offset = 0;
        for (int l = 0; l < a.LayerCount; l++)
        {
            for (int d = 0; d < a.Directions; d++)
            {
                _cellOffsets[l, d] = offset;
                offset += CellSize(l);
            }
        }
        _denseOffset = offset;
        offset += a.DenseUnits > 0 ? a.DenseUnits * a.HeadInput + a.DenseUnits : 0;
        _outputOffset = offset;
        offset += a.Outputs * a.OutputInput + a.Outputs;
        Buffer = new ParameterBuffer(offset, 0);
    }

    /// <summary>The resolved architecture.</summary>
    public LstmArchitecture Architecture { get; }

    /// <summary>Parameters and gradients.</summary>
    public ParameterBuffer Buffer { get; }

    /// <summary>Trained floats.</summary>
    public int ParameterCount => Buffer.Values.Length;

    private int GateSize => 4 * Architecture.HiddenSize;

    private int CellSize(int layer) => GateSize * (Architecture.LayerInput(layer) + Architecture.HiddenSize + 1);

    /// <summary>Named parameter blocks; weight decay skips biases.</summary>
    public IEnumerable<ParameterBlock> ParameterBlocks()
    {
        LstmArchitecture a = Architecture;
        for (int l = 0; l < a.LayerCount; l++)
        {
            for (int d = 0; d < a.Directions; d++)
            {
                int o = _cellOffsets[l, d], f = a.LayerInput(l);
                string name = $"lstm{l}{(d == 1 ? ".reverse" : "")}";
                yield return new ParameterBlock($"{name}.input_weight", o, GateSize * f, true);
                yield return new ParameterBlock($"{name}.recurrent_weight", o + GateSize * f, GateSize * a.HiddenSize, true);
                yield return new ParameterBlock($"{name}.bias", o + GateSize * (f + a.HiddenSize), GateSize, false);
            }
        }
        if (a.DenseUnits > 0)
        {
            yield return new ParameterBlock("dense.weight", _denseOffset, a.DenseUnits * a.HeadInput, true);
            yield return new ParameterBlock("dense.bias", _denseOffset + a.DenseUnits * a.HeadInput, a.DenseUnits, false);
        }
        yield return new ParameterBlock("output.weight", _outputOffset, a.Outputs * a.OutputInput, true);
        yield return new ParameterBlock("output.bias", _outputOffset + a.Outputs * a.OutputInput, a.Outputs, false);
    }

    /// <summary>
    /// LSTM weights uniform in ±1/sqrt(H) (PyTorch's default) with forget-gate bias 1 so early gradients flow through
    /// time; dense layers He-normal; biases zero.
    /// </summary>
    public void Initialize(ulong seed)
    {
        var random = new KernelRandom(seed);
        LstmArchitecture a = Architecture;
        float bound = 1f / MathF.Sqrt(a.HiddenSize);
        Span<float> p = Buffer.Values;
        for (int l = 0; l < a.LayerCount; l++)
        {
            for (int d = 0; d < a.Directions; d++)
            {
                int o = _cellOffsets[l, d], weights = GateSize * (a.LayerInput(l) + a.HiddenSize);
                for (int i = 0; i < weights; i++)
                    p[o + i] = (random.NextSingle() * 2 - 1) * bound;
                Span<float> bias = p.Slice(o + weights, GateSize);
                bias.Clear();
                bias.Slice(a.HiddenSize, a.HiddenSize).Fill(1f);
            }
        }
        if (a.DenseUnits > 0)
        {
            WeightInitializer.HeNormal(p.Slice(_denseOffset, a.DenseUnits * a.HeadInput), a.HeadInput, ref random);
            p.Slice(_denseOffset + a.DenseUnits * a.HeadInput, a.DenseUnits).Clear();
        }
        WeightInitializer.HeNormal(p.Slice(_outputOffset, a.Outputs * a.OutputInput), a.OutputInput, ref random);
        p.Slice(_outputOffset + a.Outputs * a.OutputInput, a.Outputs).Clear();
    }

    /// <summary>
    /// Runs <paramref name="batch"/> samples whose padded rows (T*F + E floats each) are in <paramref name="sampleRows"/> and whose
    /// used lengths in floats are <paramref name="lengths"/>; returns (N, SampleOutputs).
    /// </summary>
    public ReadOnlySpan<float> Forward(LstmWorkspace w, ReadOnlySpan<float> sampleRows, ReadOnlySpan<int> lengths, int batch, bool training)
    {
        LstmArchitecture a = Architecture;
        ReadOnlySpan<float> p = Buffer.Values;
        int f0 = a.FeaturesPerStep, h = a.HiddenSize, rowSize = a.FeatureSize;
        int t = 0;
        for (int n = 0; n < batch; n++)
        {
            w.Steps[n] = (lengths[n] - a.TrailingFeatures) / f0;
            t = Math.Max(t, w.Steps[n]);
        }
        w.BatchSteps = t;
        ReadOnlySpan<int> steps = w.Steps.AsSpan(0, batch);

        Span<float> input = w.Input.AsSpan(0, t * batch * f0);
        input.Clear();
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> row = sampleRows.Slice(n * rowSize, rowSize);
            for (int s = 0; s < steps[n]; s++)
                row.Slice(s * f0, f0).CopyTo(input.Slice((s * batch + n) * f0, f0));
        }

        for (int l = 0; l < a.LayerCount; l++)
        {
            int f = a.LayerInput(l);
            var shape = new LstmShape(batch, t, f, h);
            ReadOnlySpan<float> layerInput = l == 0 ? input : w.LayerInput[l].AsSpan(0, t * batch * f);
            for (int d = 0; d < a.Directions; d++)
            {
                ReadOnlySpan<float> x = layerInput;
                if (d == 1)
                {
                    Span<float> reversed = w.Reversed[l].AsSpan(0, t * batch * f);
                    ReverseWithinLengths(layerInput, reversed, steps, batch, f);
                    x = reversed;
                }
                Cell(p, l, d, out var wIh, out var wHh, out var bias);
                LstmLayer.Forward(shape, x, wIh, wHh, bias, [], [], steps,
                    w.Hidden[l, d].AsSpan(0, t * batch * h), w.Cell[l, d].AsSpan(0, t * batch * h),
                    w.Gates[l, d].AsSpan(0, t * batch * GateSize), w.Scratch);
            }
            if (l < a.LayerCount - 1)
            {
                Span<float> output = w.LayerOutput[l].AsSpan(0, t * batch * a.LayerOutput);
                AlignDirections(w, l, output, steps, batch);
                Span<float> next = w.LayerInput[l + 1].AsSpan(0, output.Length);
                if (training && a.Dropout > 0)
                    Dropout.Forward(output, next, w.DropoutMask[l].AsSpan(0, output.Length), a.Dropout, ref w.Random);
                else
                    output.CopyTo(next);
            }
        }

        // Head input: the state after the last step of each direction (or every step's output), then the trailing features.
        int rows = a.HeadRows(batch);
        Span<float> head = w.HeadInput.AsSpan(0, rows * a.HeadInput);
        int last = a.LayerCount - 1;
        if (a.EveryStep)
        {
            for (int n = 0; n < batch; n++)
            {
                if (steps[n] != a.MaxSteps)
                    throw new InvalidOperationException($"An output at every step needs fixed-length sequences of {a.MaxSteps} steps; sample {n} has {steps[n]}.");
            }
            for (int n = 0; n < batch; n++)
            {
                for (int s = 0; s < t; s++)
                {
                    Span<float> target = head.Slice((n * t + s) * a.HeadInput, a.HeadInput);
                    w.Hidden[last, 0].AsSpan((s * batch + n) * h, h).CopyTo(target);
                    if (a.Bidirectional)
                        w.Hidden[last, 1].AsSpan(((t - 1 - s) * batch + n) * h, h).CopyTo(target.Slice(h, h));
                    if (a.TrailingFeatures > 0)
                        sampleRows.Slice(n * rowSize + lengths[n] - a.TrailingFeatures, a.TrailingFeatures).CopyTo(target[a.LayerOutput..]);
                }
            }
        }
        else
        {
            for (int n = 0; n < batch; n++)
            {
                Span<float> target = head.Slice(n * a.HeadInput, a.HeadInput);
                for (int d = 0; d < a.Directions; d++)
                    w.Hidden[last, d].AsSpan(((t - 1) * batch + n) * h, h).CopyTo(target.Slice(d * h, h));
                if (a.TrailingFeatures > 0)
                    sampleRows.Slice(n * rowSize + lengths[n] - a.TrailingFeatures, a.TrailingFeatures).CopyTo(target[a.LayerOutput..]);
            }
        }

        ReadOnlySpan<float> outputInput = head;
        if (a.DenseUnits > 0)
        {
            Span<float> dense = w.Dense.AsSpan(0, rows * a.DenseUnits);
            Span<float> activated = w.DenseActivated.AsSpan(0, rows * a.DenseUnits);
            Dense.Forward(rows, a.HeadInput, a.DenseUnits, head, DenseWeights(p), DenseBias(p), dense);
            Activation.Forward(ActivationKind.Relu, dense, activated);
            outputInput = activated;
        }
        Span<float> result = w.Output.AsSpan(0, rows * a.Outputs);
        Dense.Forward(rows, a.OutputInput, a.Outputs, outputInput, OutputWeights(p), OutputBias(p), result);
        return result;
    }

    /// <summary>Accumulates into <see cref="ParameterBuffer.Gradients"/> the gradient of the last training forward given dOutputs (N, SampleOutputs).</summary>
    public void Backward(LstmWorkspace w, int batch, ReadOnlySpan<float> dOutputs)
    {
        LstmArchitecture a = Architecture;
        ReadOnlySpan<float> p = Buffer.Values;
        Span<float> g = Buffer.Gradients;
        int t = w.BatchSteps, h = a.HiddenSize;
        ReadOnlySpan<int> steps = w.Steps.AsSpan(0, batch);
        int rows = a.HeadRows(batch);
        Span<float> head = w.HeadInput.AsSpan(0, rows * a.HeadInput);
        Span<float> dHead = w.DHeadInput.AsSpan(0, rows * a.HeadInput);

        if (a.DenseUnits > 0)
        {
            Span<float> dActivated = w.DDenseActivated.AsSpan(0, rows * a.DenseUnits);
            Span<float> dDense = w.DDense.AsSpan(0, rows * a.DenseUnits);
            Dense.Backward(rows, a.DenseUnits, a.Outputs, w.DenseActivated.AsSpan(0, rows * a.DenseUnits), OutputWeights(p),
                dOutputs, dActivated, OutputWeights(g), OutputBias(g));
            Activation.Backward(ActivationKind.Relu, w.Dense.AsSpan(0, dDense.Length), w.DenseActivated.AsSpan(0, dDense.Length),
                dActivated, dDense);
            Dense.Backward(rows, a.HeadInput, a.DenseUnits, head, DenseWeights(p), dDense, dHead, DenseWeights(g), DenseBias(g));
        }
        else
        {
            Dense.Backward(rows, a.HeadInput, a.Outputs, head, OutputWeights(p), dOutputs, dHead, OutputWeights(g), OutputBias(g));
        }

        int last = a.LayerCount - 1;
        for (int d = 0; d < a.Directions; d++)
        {
            Span<float> dHidden = w.DHidden[last, d].AsSpan(0, t * batch * h);
            dHidden.Clear();
            for (int n = 0; n < batch; n++)
            {
                if (!a.EveryStep)
                {
                    dHead.Slice(n * a.HeadInput + d * h, h).CopyTo(dHidden.Slice(((t - 1) * batch + n) * h, h));
                    continue;
                }
                // Step s of the output read the forward state at s and the backward state at (reversed) t - 1 - s.
                for (int s = 0; s < t; s++)
                {
                    int state = d == 0 ? s : t - 1 - s;
                    dHead.Slice((n * t + s) * a.HeadInput + d * h, h).CopyTo(dHidden.Slice((state * batch + n) * h, h));
                }
            }
        }

        for (int l = last; l >= 0; l--)
        {
            int f = a.LayerInput(l);
            var shape = new LstmShape(batch, t, f, h);
            ReadOnlySpan<float> layerInput = l == 0 ? w.Input.AsSpan(0, t * batch * f) : w.LayerInput[l].AsSpan(0, t * batch * f);
            for (int d = 0; d < a.Directions; d++)
            {
                ReadOnlySpan<float> x = d == 1 ? w.Reversed[l].AsSpan(0, t * batch * f) : layerInput;
                Cell(p, l, d, out var wIh, out var wHh, out _);
                CellGradients(g, l, d, out var dWih, out var dWhh, out var dBias);
                Span<float> dInput = l == 0 ? Span<float>.Empty : w.DInput[l, d].AsSpan(0, t * batch * f);
                LstmLayer.Backward(shape, x, wIh, wHh, [], [], steps,
                    w.Hidden[l, d].AsSpan(0, t * batch * h), w.Cell[l, d].AsSpan(0, t * batch * h),
                    w.Gates[l, d].AsSpan(0, t * batch * GateSize), w.DHidden[l, d].AsSpan(0, t * batch * h),
                    dInput, dWih, dWhh, dBias, [], [], w.Scratch);
            }
            if (l == 0)
                break;

            // Gradient w.r.t. this layer's input, both directions brought back to forward time, then through dropout.
            Span<float> dLayerInput = w.DLayerInput[l].AsSpan(0, t * batch * f);
            w.DInput[l, 0].AsSpan(0, dLayerInput.Length).CopyTo(dLayerInput);
            if (a.Bidirectional)
                AddReversedWithinLengths(w.DInput[l, 1].AsSpan(0, dLayerInput.Length), dLayerInput, steps, batch, f);
            if (a.Dropout > 0)
                Dropout.Backward(dLayerInput, w.DropoutMask[l - 1].AsSpan(0, dLayerInput.Length), dLayerInput);
            SplitDirections(w, l - 1, dLayerInput, steps, batch);
        }
    }

    private void Cell(ReadOnlySpan<float> p, int layer, int direction, out ReadOnlySpan<float> wIh, out ReadOnlySpan<float> wHh,
        out ReadOnlySpan<float> bias)
    {
        int o = _cellOffsets[layer, direction], f = Architecture.LayerInput(layer), h = Architecture.HiddenSize;
        wIh = p.Slice(o, GateSize * f);
        wHh = p.Slice(o + GateSize * f, GateSize * h);
        bias = p.Slice(o + GateSize * (f + h), GateSize);
    }

    private void CellGradients(Span<float> g, int layer, int direction, out Span<float> wIh, out Span<float> wHh, out Span<float> bias)
    {
        int o = _cellOffsets[layer, direction], f = Architecture.LayerInput(layer), h = Architecture.HiddenSize;
        wIh = g.Slice(o, GateSize * f);
        wHh = g.Slice(o + GateSize * f, GateSize * h);
        bias = g.Slice(o + GateSize * (f + h), GateSize);
    }

    private Span<float> DenseWeights(Span<float> p) => p.Slice(_denseOffset, Architecture.DenseUnits * Architecture.HeadInput);

    private ReadOnlySpan<float> DenseWeights(ReadOnlySpan<float> p) => p.Slice(_denseOffset, Architecture.DenseUnits * Architecture.HeadInput);

    private Span<float> DenseBias(Span<float> p) => p.Slice(_denseOffset + Architecture.DenseUnits * Architecture.HeadInput, Architecture.DenseUnits);

    private ReadOnlySpan<float> DenseBias(ReadOnlySpan<float> p) => p.Slice(_denseOffset + Architecture.DenseUnits * Architecture.HeadInput, Architecture.DenseUnits);

    private Span<float> OutputWeights(Span<float> p) => p.Slice(_outputOffset, Architecture.Outputs * Architecture.OutputInput);

    private ReadOnlySpan<float> OutputWeights(ReadOnlySpan<float> p) => p.Slice(_outputOffset, Architecture.Outputs * Architecture.OutputInput);

    private Span<float> OutputBias(Span<float> p) => p.Slice(_outputOffset + Architecture.Outputs * Architecture.OutputInput, Architecture.Outputs);

    private ReadOnlySpan<float> OutputBias(ReadOnlySpan<float> p) => p.Slice(_outputOffset + Architecture.Outputs * Architecture.OutputInput, Architecture.Outputs);

    /// <summary>destination[s, n] := source[steps[n] - 1 - s, n] for s &lt; steps[n], zero after; layout (T, N, width).</summary>
    private static void ReverseWithinLengths(ReadOnlySpan<float> source, Span<float> destination, ReadOnlySpan<int> steps, int batch, int width)
    {
        destination.Clear();
        for (int n = 0; n < batch; n++)
        {
            for (int s = 0; s < steps[n]; s++)
                source.Slice(((steps[n] - 1 - s) * batch + n) * width, width).CopyTo(destination.Slice((s * batch + n) * width, width));
        }
    }

    /// <summary>destination[s, n] += source[steps[n] - 1 - s, n] for s &lt; steps[n]; layout (T, N, width).</summary>
    private static void AddReversedWithinLengths(ReadOnlySpan<float> source, Span<float> destination, ReadOnlySpan<int> steps, int batch, int width)
    {
        for (int n = 0; n < batch; n++)
        {
            for (int s = 0; s < steps[n]; s++)
            {
                ReadOnlySpan<float> from = source.Slice(((steps[n] - 1 - s) * batch + n) * width, width);
                Span<float> to = destination.Slice((s * batch + n) * width, width);
                for (int i = 0; i < width; i++)
                    to[i] += from[i];
            }
        }
    }

    /// <summary>output (T, N, H*dirs) := forward hidden states, and the backward ones brought back to forward time.</summary>
    private void AlignDirections(LstmWorkspace w, int layer, Span<float> output, ReadOnlySpan<int> steps, int batch)
    {
        int h = Architecture.HiddenSize, width = Architecture.LayerOutput, t = w.BatchSteps;
        output.Clear();
        for (int s = 0; s < t; s++)
        {
            for (int n = 0; n < batch; n++)
            {
                Span<float> target = output.Slice((s * batch + n) * width, width);
                w.Hidden[layer, 0].AsSpan((s * batch + n) * h, h).CopyTo(target);
                if (Architecture.Bidirectional && s < steps[n])
                    w.Hidden[layer, 1].AsSpan(((steps[n] - 1 - s) * batch + n) * h, h).CopyTo(target.Slice(h, h));
            }
        }
    }

    /// <summary>The inverse of <see cref="AlignDirections"/> for gradients: fills DHidden of <paramref name="layer"/>.</summary>
    private void SplitDirections(LstmWorkspace w, int layer, ReadOnlySpan<float> dOutput, ReadOnlySpan<int> steps, int batch)
    {
        int h = Architecture.HiddenSize, width = Architecture.LayerOutput, t = w.BatchSteps;
        Span<float> forward = w.DHidden[layer, 0].AsSpan(0, t * batch * h);
        Span<float> backward = Architecture.Bidirectional ? w.DHidden[layer, 1].AsSpan(0, t * batch * h) : Span<float>.Empty;
        backward.Clear();
        for (int s = 0; s < t; s++)
        {
            for (int n = 0; n < batch; n++)
            {
                ReadOnlySpan<float> source = dOutput.Slice((s * batch + n) * width, width);
                source[..h].CopyTo(forward.Slice((s * batch + n) * h, h));
                if (Architecture.Bidirectional && s < steps[n])
                    source.Slice(h, h).CopyTo(backward.Slice(((steps[n] - 1 - s) * batch + n) * h, h));
            }
        }
    }
}
