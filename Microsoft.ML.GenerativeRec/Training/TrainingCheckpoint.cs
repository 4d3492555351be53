using System.Globalization;
using System.Security.Cryptography;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>
/// Everything a training run needs to continue exactly where it stopped: weights, optimizer moments, both random
/// generators, the best validation weights and the epoch history. Written atomically, checked by SHA-256 on read.
/// </summary>
/// <remarks>
/// Files are <c>checkpoint-NNNN.bin</c> (NNNN = epochs completed) in the checkpoint folder; the two newest are kept,
/// so a damaged newest file falls back to the one before it. A checkpoint only resumes a run whose fingerprint
/// (model, shapes, data and training settings) matches.
/// </remarks>
internal static class TrainingCheckpoint
{
    private const string Magic = "GENREC-CHECKPOINT";
    private const int FormatVersion = 2;                 // 2: TrainingHistory format 2 (KeptEpoch); 1 is still read
    private const int FirstReadableVersion = 1;
    private const int KeptCheckpoints = 2;
    private const int HashBytes = 32;

    /// <summary>The state saved after an epoch.</summary>
    /// <param name="EpochsCompleted">Epochs trained so far, this one included.</param>
    /// <param name="BestEpoch">The epoch with the best validation NDCG@10 so far.</param>
    /// <param name="BestNdcg">Its NDCG@10, or −∞ without validation.</param>
    /// <param name="Epochs">Every epoch's summary so far.</param>
    /// <param name="Best">The best validation weights so far, or null without validation. Owned by the caller.</param>
    public sealed record State(int EpochsCompleted, int BestEpoch, double BestNdcg, IReadOnlyList<EpochSummary> Epochs,
        Dictionary<string, Tensor>? Best);

    public static void Write(string folder, string fingerprint, State state, nn.Module model, OptimizerHelper optimizer, Generator generator)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, FileName(state.EpochsCompleted));
        string temporary = path + ".tmp";

        // Streamed to the file through the hash: a checkpoint built in memory first was several MB of large-object-heap
        // garbage at every epoch (docs/benchmarks.md, memory history).
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using var hash = SHA256.Create();
            using (var hashing = new CryptoStream(file, hash, CryptoStreamMode.Write, leaveOpen: true))
            using (var writer = new BinaryWriter(hashing, System.Text.Encoding.UTF8, leaveOpen: false))
            {
                WritePayload(writer, fingerprint, state, model, optimizer, generator);
            }

            file.Write(hash.Hash!);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        foreach (string old in Checkpoints(folder).Skip(KeptCheckpoints))
        {
            File.Delete(old);
        }
    }

    private static void WritePayload(BinaryWriter writer, string fingerprint, State state, nn.Module model, OptimizerHelper optimizer, Generator generator)
    {
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(fingerprint);
        writer.Write(state.EpochsCompleted);
        new TrainingHistory(state.BestEpoch, keptEpoch: state.EpochsCompleted, state.BestNdcg, state.Epochs).Write(writer);

        model.save(writer);
        writer.Write(state.Best is not null);
        if (state.Best is not null)
        {
            writer.Write(state.Best.Count);
            foreach (var (name, tensor) in state.Best)
            {
                writer.Write(name);
                tensor.Save(writer);
            }
        }

        optimizer.save_state_dict(writer);
        using (var rng = get_rng_state())
        {
            rng.Save(writer);
        }

        using (var generatorState = generator.get_state())
        {
            generatorState.Save(writer);
        }
    }

    /// <summary>
    /// Restores the newest intact checkpoint whose fingerprint matches into the model, optimizer and generators, or
    /// returns null when there is none; <c>warn</c> receives a message for every checkpoint skipped, and why.
    /// </summary>
    public static State? TryRestore(string folder, string fingerprint, nn.Module model, OptimizerHelper optimizer, Generator generator, Action<string> warn)
    {
        if (!Directory.Exists(folder))
        {
            return null;
        }

        foreach (string path in Checkpoints(folder))
        {
            byte[] bytes = File.ReadAllBytes(path);
            if (bytes.Length <= HashBytes
                || !SHA256.HashData(bytes.AsSpan(0, bytes.Length - HashBytes)).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - HashBytes)))
            {
                warn($"Checkpoint '{path}' is damaged or incomplete (its checksum does not match); trying an older one.");
                continue;
            }

            using var reader = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - HashBytes));
            if (reader.ReadString() != Magic || reader.ReadInt32() is var version && (version < FirstReadableVersion || version > FormatVersion))
            {
                warn($"Checkpoint '{path}' is not a checkpoint this version can read; trying an older one.");
                continue;
            }

            string saved = reader.ReadString();
            if (saved != fingerprint)
            {
                warn($"Checkpoint '{path}' belongs to a different model, data set or training settings; ignoring it.");
                continue;
            }

            return Read(reader, model, optimizer, generator);
        }

        return null;
    }

    private static State Read(BinaryReader reader, nn.Module model, OptimizerHelper optimizer, Generator generator)
    {
        int completed = reader.ReadInt32();
        var history = TrainingHistory.Read(reader);

        using (var noGrad = no_grad())
        {
            model.load(reader, strict: true);
        }

        Dictionary<string, Tensor>? best = null;
        if (reader.ReadBoolean())
        {
            int count = reader.ReadInt32();
            best = new Dictionary<string, Tensor>(count);
            for (int i = 0; i < count; i++)
            {
                string name = reader.ReadString();
                best[name] = Tensor.Load(reader).DetachFromDisposeScope();
            }
        }

        optimizer.load_state_dict(reader);
        using (var rng = Tensor.Load(reader))
        {
            set_rng_state(rng);
        }

        using (var generatorState = Tensor.Load(reader))
        {
            generator.set_state(generatorState);
        }

        return new State(completed, history.BestEpoch, history.BestValidationNdcgAt10 ?? double.NegativeInfinity, history.Epochs, best);
    }

    private static string FileName(int epochsCompleted) => string.Create(CultureInfo.InvariantCulture, $"checkpoint-{epochsCompleted:D4}.bin");

    /// <summary>The checkpoint files of <paramref name="folder"/>, newest first.</summary>
    private static IEnumerable<string> Checkpoints(string folder)
        => Directory.EnumerateFiles(folder, "checkpoint-*.bin").OrderByDescending(Path.GetFileName, StringComparer.Ordinal).ToArray();
}
