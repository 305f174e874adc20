using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Models;

/// <summary>
/// Saved form of any <see cref="NetworkPredictor"/>: string kind tag ("cnn", "lstm"), the predictor's payload, then the
/// training history in <see cref="TrainingHistoryFormat"/>.
/// </summary>
internal static class NetworkPredictorFormat
{
    private static readonly Dictionary<string, Func<BinaryReader, NetworkPredictor>> s_loaders = new()
    {
        [CnnPredictor.KindTag] = CnnPredictor.Load,
        [Lstm.LstmPredictor.KindTag] = Lstm.LstmPredictor.Load,
    };

    /// <summary>Writes kind, payload and history.</summary>
    public static void Write(BinaryWriter writer, NetworkPredictor predictor)
    {
        writer.Write(predictor.Kind);
        predictor.Save(writer);
        TrainingHistoryFormat.Write(writer, predictor.History);
    }

    /// <summary>Reads what <see cref="Write"/> wrote; <see cref="InvalidDataException"/> says which part is wrong.</summary>
    public static NetworkPredictor Read(BinaryReader reader)
    {
        string kind = reader.ReadString();
        if (!s_loaders.TryGetValue(kind, out var load))
            throw new InvalidDataException($"Unknown network kind '{kind}'; this library reads {string.Join(", ", s_loaders.Keys)}.");
        NetworkPredictor predictor = load(reader);
        predictor.History = TrainingHistoryFormat.Read(reader);
        return predictor;
    }
}
