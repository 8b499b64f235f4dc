# Politique des mots de passe
error-password-common = Ce mot de passe fait partie des plus courants. Veuillez en choisir un autre.
