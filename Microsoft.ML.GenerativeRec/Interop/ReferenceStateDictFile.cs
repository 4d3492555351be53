using System.Collections;
using Razorvine.Pickle;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Interop;

/// <summary>Reads and writes PyTorch state dicts (<c>torch.save</c>'s zip layout) through TorchSharp.PyBridge.</summary>
/// <remarks>
/// Reading accepts what <c>torch.save(model.state_dict(), path)</c> writes and the reference's training checkpoints
/// (<c>{"epoch", "model_state_dict", "optimizer_state_dict"}</c>, <c>train.py</c>), whose keys carry
/// <c>DistributedDataParallel</c>'s <c>module.</c> prefix; the prefix is removed when every key has it. PyBridge's
/// unpickler builds only tensors, ordered dicts and plain values: a file cannot run code.
/// </remarks>
internal static class ReferenceStateDictFile
{
    /// <summary>The key under which the reference's training checkpoints hold the model's state dict.</summary>
    public const string CheckpointModelKey = "model_state_dict";

    /// <summary>Writes <paramref name="tensors"/> in order, replacing any file at <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<KeyValuePair<string, Tensor>> tensors)
    {
        var dictionary = new Dictionary<string, Tensor>(tensors.Count);
        foreach (var (key, tensor) in tensors)
        {
            dictionary.Add(key, tensor);
        }

        // File.Create truncates; PyBridge's path overload opens with File.OpenWrite, which leaves the tail of a longer old file.
        using var stream = File.Create(path);
        PyTorchPickler.PickleStateDict(stream, dictionary, leaveOpen: true);
    }

    /// <summary>Reads the tensors of the state dict at <paramref name="path"/>, on the CPU; the caller disposes them.</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not a PyTorch state dict, or a value of it is not a tensor; the message names the key.</exception>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"The state dict file '{path}' does not exist.", path);

        // PyBridge makes each tensor as a strided view of a fresh buffer: the scope frees the wrappers it does not return.
        using var scope = NewDisposeScope();
        Hashtable root;
        try
        {
            using var stream = File.OpenRead(path);
            root = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
        }
        catch (Exception e) when (e is NotImplementedException or PickleException or InvalidCastException or InvalidDataException
                                   or InvalidOperationException or EndOfStreamException or KeyNotFoundException)
        {
            throw new InvalidDataException(
                $"'{path}' is not a PyTorch state dict in torch.save's zip format (save it with torch.save(model.state_dict(), path)): {e.Message}", e);
        }

        Hashtable stateDict = root[CheckpointModelKey] is Hashtable nested ? nested : root;
        var keys = stateDict.Keys.Cast<object>().Select(k => k as string ?? throw NotAStateDict(path, $"it has a key {k} that is not text")).ToArray();
        bool distributed = keys.Length > 0 && keys.All(k => k.StartsWith(ReferenceStateDictMapping.DistributedPrefix, StringComparison.Ordinal));
        var result = new Dictionary<string, Tensor>(keys.Length, StringComparer.Ordinal);
        foreach (string key in keys.Order(StringComparer.Ordinal))
        {
            if (stateDict[key] is not Tensor tensor)
                throw NotAStateDict(path, $"its value '{key}' is a {stateDict[key]?.GetType().Name ?? "null"}, not a tensor");
            result.Add(distributed ? key[ReferenceStateDictMapping.DistributedPrefix.Length..] : key, tensor);
        }

        foreach (var tensor in result.Values)
        {
            tensor.MoveToOuterDisposeScope();                // only once every value is known to be a tensor
        }

        return result;
    }

    private static InvalidDataException NotAStateDict(string path, string why)
        => new($"'{path}' is not a state dict of tensors: {why}. Save the model's state dict alone (torch.save(model.state_dict(), path)) or a training checkpoint with '{CheckpointModelKey}'.");
}
