using System.Text.Json.Nodes;
using BertNative.Model.Tokenization;

namespace BertNative.Model.Checkpoints;

/// <summary>The tokenizer fields of a checkpoint's config.json: "tokenizer" ("book" or "wordpiece"), "do_lower_case" and
/// "strip_accents". A config without them (every checkpoint 'pretrain' wrote before imports existed) means the book's.</summary>
public static class TokenizerConfig
{
    public static string AddTo(string configJson, TokenizerSettings settings)
    {
        var json = JsonNode.Parse(configJson)!.AsObject();
        json["tokenizer"] = settings.Kind;
        json["do_lower_case"] = settings.LowerCase;
        json["strip_accents"] = settings.StripAccents;
        return json.ToJsonString(JsonFormat.Indented);
    }

    public static TokenizerSettings ReadFrom(string configJson)
    {
        var json = JsonNode.Parse(configJson)?.AsObject();
        string kind = json?["tokenizer"]?.GetValue<string>() ?? TokenizerSettings.BookKind;
        if (kind == TokenizerSettings.BookKind) return TokenizerSettings.Book;
        if (kind != TokenizerSettings.WordPieceKind) throw new BertNative.Contract.BertNativeException($"unknown tokenizer \"{kind}\" in config.json; expected \"book\" or \"wordpiece\"");
        bool lower = json!["do_lower_case"]?.GetValue<bool>() ?? true;
        return TokenizerSettings.WordPiece(lower, json["strip_accents"]?.GetValue<bool>());
    }
}
