using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using MLNet.Extensions.Trainers.Training;
using MLNet.Extensions.Transforms.Persistence;

namespace MLNet.Extensions.Trainers.Models;

/// <summary>
/// What every trained network model exposes to users (architecture, size, history) and how it is saved:
/// ML.NET's header and float-size word, then <see cref="NetworkPredictorFormat"/> inside a checksummed payload
/// (<see cref="ChecksummedPayload"/>; files of the versions before <see cref="ChecksummedVersion"/> hold it bare).
/// </summary>
/// <typeparam name="TOutput">The score type ML.NET's scorer for the task expects.</typeparam>
public abstract class NetworkModelParametersBase<TOutput> : ModelParametersBase<TOutput>, INetworkModel
{
    private protected NetworkModelParametersBase(IHostEnvironment env, string name, NetworkPredictor predictor)
        : base(env, name)
    {
        Predictor = predictor;
    }

    /// <summary>
    /// Loads a saved model; <paramref name="readExtra"/>, when given, reads what the task saves after the network inside the
    /// checksummed payload (<see cref="WriteExtra"/>) and returns the predictor to keep.
    /// </summary>
    private protected NetworkModelParametersBase(IHostEnvironment env, string name, ModelLoadContext ctx,
        Func<BinaryReader, NetworkPredictor, NetworkPredictor>? readExtra = null)
        : base(env, name, ctx)
    {
        try
        {
            if (ctx.Header.ModelVerWritten >= ChecksummedVersion)
            {
                BinaryReader payload = ChecksummedPayload.Read(ctx.Reader, name);
                Predictor = NetworkPredictorFormat.Read(payload);
                if (readExtra is not null)
                    Predictor = readExtra(payload, Predictor);
                ChecksummedPayload.CheckFullyRead(payload, name);
            }
            else
            {
                Predictor = NetworkPredictorFormat.Read(ctx.Reader, beforeChecksums: true);
            }
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{name}: the saved network is truncated.", e);
        }
    }

    /// <summary>The first format version of the three network model kinds whose payload is checksummed (and saved without timings).</summary>
    private protected const uint ChecksummedVersion = 0x00010003;

    internal NetworkPredictor Predictor { get; }

    /// <summary>One line per layer with its output shape, input first.</summary>
    public IReadOnlyList<string> Layers => Predictor.LayerSummary;

    /// <summary>Number of trained parameters.</summary>
    public int ParameterCount => Predictor.ParameterCount;

    /// <summary>Floats per input sample the network expects.</summary>
    public int InputSize => Predictor.InputSize;

    /// <summary>Width of the penultimate layer, which <see cref="Featurize"/> returns.</summary>
    public int FeatureSize => Predictor.FeatureSize;

    /// <summary>Per-epoch losses, metrics and throughput of the training run.</summary>
    public IReadOnlyList<TrainingProgress> TrainingHistory => Predictor.History;

    /// <summary>The penultimate layer's activations for one sample: a learned representation other trainers can use.</summary>
    public float[] Featurize(ReadOnlySpan<float> features)
    {
        var result = new float[Predictor.FeatureSize];
        try
        {
            if (!Predictor.CheckRow(features))
            {
                Array.Fill(result, float.NaN);
                return result;
            }
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException(e.Message, nameof(features), e);
        }
        Predictor.CreateSession().Featurize(features, result);
        return result;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{GetType().Name}: {ParameterCount:N0} parameters; {string.Join(" | ", Layers)}";

    private protected abstract VersionInfo VersionInfo { get; }

    /// <inheritdoc />

    protected override void SaveCore(ModelSaveContext ctx)
    {
        base.SaveCore(ctx);
        ctx.SetVersionInfo(VersionInfo);
        ChecksummedPayload.Write(ctx.Writer, payload =>
        {
            NetworkPredictorFormat.Write(payload, Predictor);
            WriteExtra(payload);
        });
    }

    /// <summary>What the task saves after the network inside the checksummed payload; nothing unless overridden.</summary>
    private protected virtual void WriteExtra(BinaryWriter payload)
    {
    }

    /// <summary>
    /// Copies a feature vector into <paramref name="dense"/> and checks it (<see cref="NetworkPredictor.CheckRow"/>); returns
    /// the used length, or -1 when the row has a non-finite value and the model scores such rows as NaN.
    /// </summary>
    private protected int Densify(in VBuffer<float> source, float[] dense)
    {
        int length = source.Length;
        if (length > dense.Length)
            throw Predictor.SizeError(length);
        Array.Clear(dense);
        source.CopyTo(dense);
        return Predictor.CheckRow(dense.AsSpan(0, length)) ? length : -1;
    }
}
