"""Offline translation: Argos packages run with CTranslate2 + SentencePiece."""
