using MLNet.Extensions.Trainers.Models.Legacy;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Models;

/// <summary>
/// Saved form of a <see cref="NetworkPredictor"/>: string kind tag ("network"; the older "cnn" and "lstm" are still read),
/// the network in that kind's format, the training history in <see cref="TrainingHistoryFormat"/>, then (since the
/// checksummed versions) string feature column and byte scoring flags (bit 0: non-finite inputs give NaN). Components that
/// hold it save it inside a <see cref="Transforms.Persistence.ChecksummedPayload"/> since their checksummed versions.
/// </summary>
internal static class NetworkPredictorFormat
{
    private static readonly Dictionary<string, Func<BinaryReader, NeuralNetwork>> s_readers = new()
    {
        [NetworkFormat.KindTag] = NetworkFormat.Read,
        [LegacyNetworkFormats.CnnKind] = LegacyNetworkFormats.ReadCnn,
        [LegacyNetworkFormats.LstmKind] = LegacyNetworkFormats.ReadLstm,
    };

    /// <summary>Writes kind, network, history and scoring settings.</summary>
    public static void Write(BinaryWriter writer, NetworkPredictor predictor)
    {
        writer.Write(NetworkFormat.KindTag);
        NetworkFormat.Write(writer, predictor.Network);
        TrainingHistoryFormat.Write(writer, predictor.History);
        writer.Write(predictor.FeatureColumnName);
        writer.Write((byte)(predictor.NonFiniteInputsGiveNaN ? 1 : 0));
    }

    /// <summary>
    /// Reads what <see cref="Write"/> wrote, or an older kind (<paramref name="beforeChecksums"/> for files written before
    /// the checksummed versions: history with timings, no scoring settings); <see cref="InvalidDataException"/> says which
    /// part is wrong.
    /// </summary>
    public static NetworkPredictor Read(BinaryReader reader, bool beforeChecksums = false)
    {
        string kind = reader.ReadString();
        if (!s_readers.TryGetValue(kind, out var read))
            throw new InvalidDataException($"Unknown network kind '{kind}'; this library reads {string.Join(", ", s_readers.Keys)}.");
        NeuralNetwork network = read(reader);
        TrainingProgress[] history = TrainingHistoryFormat.Read(reader, withTimings: beforeChecksums);
        if (beforeChecksums)
            return new NetworkPredictor(network) { History = history };
        string column = reader.ReadString();
        byte flags = reader.ReadByte();
        if (string.IsNullOrWhiteSpace(column) || flags > 1)
            throw new InvalidDataException($"The saved scoring settings (feature column '{column}', flags {flags}) are invalid.");
        return new NetworkPredictor(network) { History = history, FeatureColumnName = column, NonFiniteInputsGiveNaN = flags == 1 };
    }
}
